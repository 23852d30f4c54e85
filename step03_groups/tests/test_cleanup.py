"""What disconnect() cleans up, and when it never runs: a group keeps a dead member then.

The consumer here is the room consumer's pattern, cut to the bone (join in connect, leave in
disconnect), so that the same file runs unchanged in every later step.
"""

import asyncio
import contextlib

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

GROUP = "cleanup.room"

# Nothing here touches the database, but Channels closes stale database connections before each
# handler, and from step 4 on an earlier test has opened one: pytest-django allows that only
# under this mark.
pytestmark = pytest.mark.django_db(transaction=True)


class Member(AsyncWebsocketConsumer):
    """Joins GROUP in connect() and leaves it in disconnect(); the frame "boom" raises."""

    async def connect(self):
        """Join the group, accept, and tell the client its channel name."""
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send(text_data=self.channel_name)

    async def disconnect(self, code):
        """Leave the group."""
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Raise on "boom", as a handler with a bug would; echo anything else."""
        if text_data == "boom":
            raise RuntimeError("a bug in a handler")
        await self.send(text_data=text_data)


@pytest.fixture
def layer(settings):
    """A fresh in-memory layer for the consumer, whatever layer the step itself uses."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


@pytest.fixture
async def member(layer):
    """An open socket to a Member, and its channel name; disconnected after the test if alive."""
    socket = WebsocketCommunicator(Member.as_asgi(), "/")
    await socket.connect()
    channel = await socket.receive_from()
    yield socket, channel
    if not socket.future.done():
        await socket.disconnect()


def members(layer):
    """The channel names in GROUP right now (the in-memory layer keeps groups in a dict)."""
    return set(layer.groups.get(GROUP, {}))


async def test_connect_puts_the_channel_in_the_group(layer, member):
    """After the handshake, the socket's channel is a member of the group."""
    _, channel = member
    assert members(layer) == {channel}


async def test_disconnect_takes_the_channel_out_of_the_group(layer, member):
    """When the socket closes, disconnect() runs and the group is left empty."""
    socket, _ = member
    await socket.disconnect()
    assert members(layer) == set()


async def test_send_to_a_closed_sockets_channel_raises_nothing(layer, member):
    """A channel name outlives its socket as an address: send() to it succeeds, unread."""
    socket, channel = member
    await socket.disconnect()
    await layer.send(channel, {"type": "chat.message", "message": "too late"})
    assert (await layer.receive(channel))["message"] == "too late"


async def test_raising_handler_leaves_its_channel_in_the_group(layer, member):
    """A handler that raises ends the consumer without disconnect(): the group keeps it."""
    socket, channel = member
    await socket.send_to(text_data="boom")
    with pytest.raises(RuntimeError, match="a bug in a handler"):
        await socket.wait()  # the consumer's task ends with the handler's exception
    assert members(layer) == {channel}


async def test_group_send_still_queues_events_for_the_dead_member(layer, member):
    """Nothing reads the dead channel, yet every group_send puts an event in its mailbox."""
    socket, channel = member
    await socket.send_to(text_data="boom")
    with pytest.raises(RuntimeError):
        await socket.wait()
    await layer.group_send(GROUP, {"type": "chat.message", "message": "anyone there?"})
    assert (await layer.receive(channel))["message"] == "anyone there?"


async def test_cancelled_consumer_leaves_its_channel_in_the_group(layer, member):
    """A consumer cancelled (as Daphne cancels every one when it stops) runs no disconnect()."""
    socket, channel = member
    socket.future.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await socket.future
    assert members(layer) == {channel}
