"""Consumers: chat rooms (one group per room), private inboxes (one group per user), and the
API's chat channels (one group per channel)."""

import json

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.exceptions import ValidationError

from accounts.consumers import LoggedInConsumer
from api.live import channel_group_name
from api.models import Channel
from api.serializers import MessageSerializer
from chat import limits
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

# What the sender hears when Redis is lost under its message, just before LoggedInConsumer
# closes the socket with 4503: error frames, shaped as the ones that answer bad input.
NOT_SENT = {
    "type": "error",
    "error": "not_sent",
    "detail": "The server cannot reach Redis right now; send it again once the page reconnects.",
}
NOT_DELIVERED = {
    "type": "error",
    "error": "not_delivered",
    "detail": "Saved, but not delivered live (the server cannot reach Redis): it shows up in "
    "both inboxes when they next load or reconnect.",
}

# The close code for a client that keeps sending over its limit (HTTP's 429 Too Many Requests).
# Not 1008, "policy violation": Daphne sends an application's close code only if it is 1000 or
# 3000-4999, as with 4503.
FLOODING = 4429


class LimitedConsumer(LoggedInConsumer):
    """A logged-in consumer whose user may send only so many frames a second (chat/limits.py)."""

    async def dispatch(self, message):
        """Run the handler for a message or an event, without a database clean-up before it.

        Channels' own dispatch() first awaits aclose_old_connections(): a hop to the one thread
        that runs Django's database code, for every frame and every group event, even those
        that never touch the database (it was a fifth of a busy server's time, see
        notes/12-performance.md). It is safe to skip here because these consumers reach the
        database only through database_sync_to_async, which closes old connections itself,
        before and after each call. A consumer that calls the async ORM (`await ...aget()`)
        holds a connection between calls and must keep Channels' dispatch().
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message):
        """Start counting this socket's refused frames, then connect as a logged-in consumer."""
        self.refusals = limits.Refusals()
        await super().websocket_connect(message)

    async def websocket_receive(self, message):
        """Pass a frame on within the user's limit; above it, refuse it, or close a flood."""
        if self.ended:
            return
        try:
            # Every frame counts, whatever it holds: a flood of bad frames is a flood too.
            wait = await limits.wait_before_sending(self.user.pk)
        except (RedisConnectionError, RedisTimeoutError) as error:
            wait = await self.not_counted(error)
        if not wait:
            await super().websocket_receive(message)
            return
        await self.send_json(limits.rate_limited(wait))
        if self.refusals.flooding():
            await self.close(code=FLOODING)  # the frames that race the close are then ignored

    async def not_counted(self, error):
        """Redis failed while counting a frame: say it was not sent, and raise (a close, 4503)."""
        await self.send_json(NOT_SENT)
        raise error


class ChatConsumer(LimitedConsumer):
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
            frame = {
                "type": "message",
                "room": self.room,
                # Who sent it comes from the session, never from the frame.
                "username": self.user.username,
                "message": clean_message(data),
            }
        except BadFrame as error:
            await self.send_json(error.as_frame())
            return
        event = {
            # The event type is chosen here, never taken from the client: a client-chosen
            # type would let it call any method of every consumer in the room.
            "type": "chat.message",
            # The frame is encoded to JSON once, here, not once per socket in chat_message().
            "text": json.dumps(frame),
        }
        try:
            await self.channel_layer.group_send(self.group_name, event)
        except (RedisConnectionError, RedisTimeoutError):
            await self.send_json(NOT_SENT)
            raise

    async def chat_message(self, event):
        """Send a room message (an event from the group, already JSON) down this socket."""
        if not self.ended:  # as send_json() does: see LoggedInConsumer.close()
            await self.send(text_data=event["text"])


class InboxConsumer(LimitedConsumer):
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

    async def not_counted(self, error):
        """Redis failed while counting a frame: let it through, as the form does (returns 0).

        Saving needs no Redis; delivering it then fails as in receive(), with the message
        shown here, not_delivered and 4503, and the recipient gets it when their inbox resumes.
        """
        return 0

    async def receive(self, text_data=None, bytes_data=None):
        """Save a valid private message and deliver it; answer bad input with an error frame."""
        try:
            data = decode_object(text_data, bytes_data)
            message = await database_sync_to_async(save_private_message)(self.user, data)
        except BadFrame as error:
            await self.send_json(error.as_frame())
            return
        event = private_event(message)
        try:
            for group in delivery_groups(message):
                await self.channel_layer.group_send(group, event)
        except (RedisConnectionError, RedisTimeoutError):
            # It is saved: show it here at once, and say that nobody else got it live (an error
            # alone would have the user send it twice).
            await self.inbox_private(event)
            await self.send_json(NOT_DELIVERED)
            raise

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


class ChannelConsumer(LimitedConsumer):
    """A chat channel's messages, live: whatever the API or a socket saves, every socket gets.

    A frame `{"body": "<text>"}` posts a message through the API's own serializer, so the
    rules, the saving and the announcing (api/live.py) are the API's: one write path. What
    the socket shows comes back through the group, as for a message posted over HTTP.
    """

    async def connect(self):
        """Refuse anonymous users and unknown channels; otherwise join the channel's group."""
        self.channel_id = int(self.scope["url_route"]["kwargs"]["channel_id"])
        if not self.user.is_authenticated or not await self.channel_exists():
            await self.close()
            return
        self.group_name = channel_group_name(self.channel_id)
        self.groups.append(self.group_name)  # left as the room's group is
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def channel_exists(self):
        """Whether the chat channel of the URL exists."""
        return Channel.objects.filter(pk=self.channel_id).exists()

    async def receive(self, text_data=None, bytes_data=None):
        """Post a message as this user; answer bad input with an error frame, to the sender only."""
        try:
            data = decode_object(text_data, bytes_data)
            await database_sync_to_async(self.save_message)(data.get("body"))
        except BadFrame as error:
            await self.send_json(error.as_frame())

    def save_message(self, body):
        """Save a message through the API's serializer, or raise BadFrame (sync: in a thread)."""
        serializer = MessageSerializer(data={"channel": self.channel_id, "body": body})
        try:
            serializer.is_valid(raise_exception=True)
            serializer.save(author=self.user)  # refused too if the channel is deleted meanwhile
        except ValidationError as error:
            field, errors = next(iter(error.detail.items()))
            raise BadFrame(f"invalid_{field}", f"{field}: {errors[0]}") from None

    async def channel_update(self, event):
        """Send a change to the channel's messages (an event from its group, already JSON)."""
        if not self.ended:  # as send_json() does: see LoggedInConsumer.close()
            await self.send(text_data=event["text"])
