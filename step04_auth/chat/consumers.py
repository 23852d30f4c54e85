"""The chat room consumer: one per open socket, all of a room's sockets in one group."""

from accounts.consumers import LoggedInConsumer
from chat.frames import BadFrame, clean_message, decode_object
from chat.rooms import room_group_name


class ChatConsumer(LoggedInConsumer):
    """Relay each valid message to everyone in the room, the sender included."""

    async def connect(self):
        """Refuse anonymous users; otherwise join the room's group and accept the handshake."""
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.group_name = room_group_name(self.room)
        if not self.user.is_authenticated:
            await self.close()
            return
        # Listed in self.groups, the group is left with the others, and no disconnect() of ours:
        # by Channels when the socket closes, by LoggedInConsumer.__call__ when a handler raises.
        self.groups.append(self.group_name)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        """Check the frame; send it to the room, or send an error frame to the sender only."""
        # Overrides the JSON consumer's receive, which raises on bad JSON and binary frames.
        try:
            data = decode_object(text_data, bytes_data)
            event = {
                # The event type is chosen here, never taken from the client: a client-chosen
                # type would let it call any method of every consumer in the room.
                "type": "chat.message",
                "room": self.room,
                # Who sent it comes from the session, never from the frame.
                "username": self.user.username,
                "message": clean_message(data),
            }
        except BadFrame as error:
            await self.send_json(error.as_frame())
            return
        await self.channel_layer.group_send(self.group_name, event)

    async def chat_message(self, event):
        """Send a room message (an event from the group) down this socket."""
        await self.send_json(
            {
                "type": "message",
                "room": event["room"],
                "username": event["username"],
                "message": event["message"],
            }
        )
