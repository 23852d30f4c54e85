"""Consumers: chat rooms (one group per room) and private inboxes (one group per user)."""

from channels.db import database_sync_to_async

from accounts.consumers import LoggedInConsumer
from chat.frames import BadFrame, clean_message, decode_object
from chat.inbox import (
    after_from_query,
    delivery_groups,
    inbox_group_name,
    messages_after,
    private_event,
    save_private_message,
)
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


class InboxConsumer(LoggedInConsumer):
    """One per logged-in tab: saves private messages, then delivers them to both inboxes."""

    async def connect(self):
        """Refuse anonymous users; otherwise join the inbox group, accept, and replay `?after=`."""
        if not self.user.is_authenticated:
            await self.close()
            return
        self.group_name = inbox_group_name(self.user.pk)
        # Join the group before reading the database. A message saved in between then arrives
        # twice, replayed and live, and the page drops the second copy by its id. In the other
        # order, a message saved after the read but delivered before the join would arrive
        # neither way. Live events wait until connect() returns, so they follow the replay.
        self.groups.append(self.group_name)  # left as the room's group is
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()  # nothing may be sent before this
        await self.replay()

    async def replay(self):
        """Send what was saved after `?after=<id>`, oldest first, or "resync" when too much was."""
        try:
            after = after_from_query(self.scope["query_string"])
        except BadFrame as error:
            await self.send_json(error.as_frame())
            return
        if after is None:
            return
        events, more = await database_sync_to_async(messages_after)(self.user, after)
        for event in events:
            await self.inbox_private(event)
        if more:
            await self.send_json({"type": "resync"})

    async def receive(self, text_data=None, bytes_data=None):
        """Save a valid private message and deliver it; answer bad input with an error frame."""
        try:
            data = decode_object(text_data, bytes_data)
            message = await database_sync_to_async(save_private_message)(self.user, data)
        except BadFrame as error:
            await self.send_json(error.as_frame())
            return
        event = private_event(message)
        for group in delivery_groups(message):
            await self.channel_layer.group_send(group, event)

    async def inbox_private(self, event):
        """Send a private message (an event from the inbox group) down this socket."""
        await self.send_json(
            {
                "type": "private",
                "id": event["id"],
                "from": event["from"],
                "to": event["to"],
                "message": event["message"],
                "sent_at": event["sent_at"],
            }
        )
