"""The chat room consumer: one per open socket, all of a room's sockets in one group."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from chat.frames import BadFrame, clean_message, clean_username, decode_object
from chat.rooms import room_group_name


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """Relay each valid message to everyone in the room, the sender included."""

    async def __call__(self, scope, receive, send):
        """Run the consumer; if it raises, clean up as a closed socket would, then raise again.

        Channels leaves `self.groups` and runs disconnect() in websocket_disconnect, when the
        socket closes; a handler that raises ends the consumer before that, and its channel
        would stay in the room's group, a member nobody reads. The error still reaches Daphne,
        which logs its traceback and closes the socket with 1011: a bug stays loud.
        """
        try:
            await super().__call__(scope, receive, send)
        except Exception:
            await self.clean_up(1011)  # the code Daphne closes the socket with
            raise

    async def clean_up(self, code):
        """Leave each group in `self.groups`, then run disconnect(): websocket_disconnect's work."""
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(code)

    async def connect(self):
        """Join the room's group, then accept the handshake."""
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.group_name = room_group_name(self.room)
        # Listed in self.groups, the group is left with no disconnect() of ours: by Channels
        # when the socket closes, by __call__ when a handler raises.
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
                "username": clean_username(data),
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
