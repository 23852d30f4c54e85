"""The in-memory layer: what it drops (capacity, expiry), and what it cannot reach."""

import asyncio
import time

import pytest
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer, get_channel_layer

BURST = 300  # three times the library's default capacity of 100


def chat_event(number):
    """The event the consumer sends to a room's group, numbered."""
    return {"type": "chat.message", "room": "burst", "username": "bot", "message": str(number)}


async def burst(layer, group):
    """Send BURST events to a group at once, before any member can read one."""
    await asyncio.gather(*(layer.group_send(group, chat_event(n)) for n in range(BURST)))


async def queued(layer, channel):
    """How many messages wait on a channel (receives until none arrives within 0.1 s)."""
    count = 0
    while True:
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=0.1)
        except TimeoutError:
            return count
        count += 1


async def frames_received(socket):
    """How many frames a socket got, reading until none arrives within 0.2 s."""
    count = 0
    while not await socket.receive_nothing(timeout=0.2):
        await socket.receive_from()
        count += 1
    return count


@pytest.mark.django_db(transaction=True)
async def test_step_settings_deliver_a_300_message_burst_to_one_socket(connect, logged_in):
    """With this step's capacity, every message of the burst reaches a slow socket, in order."""
    socket, _ = await connect("/ws/chat/burst/", headers=logged_in["alice"].headers)
    await burst(get_channel_layer(), "chat.room.burst")
    received = [(await socket.receive_json_from())["message"] for _ in range(BURST)]
    assert received == [str(n) for n in range(BURST)]


@pytest.mark.django_db(transaction=True)
async def test_default_capacity_loses_most_of_the_same_burst(connect, logged_in, settings):
    """With the library default (100), the same burst reaches the socket with 200 missing."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    socket, _ = await connect("/ws/chat/burst/", headers=logged_in["alice"].headers)
    await burst(get_channel_layer(), "chat.room.burst")
    assert await frames_received(socket) == 100


async def test_default_layer_holds_100_messages_per_channel():
    """InMemoryChannelLayer() keeps 100 messages of a 300 burst; group_send drops the rest."""
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("chat.room.burst", channel)
    await burst(layer, "chat.room.burst")
    assert await queued(layer, channel) == 100


async def test_step_layer_holds_the_whole_burst(settings):
    """The layer built from this step's CONFIG keeps all 300 messages of the burst."""
    layer = InMemoryChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    channel = await layer.new_channel()
    await layer.group_add("chat.room.burst", channel)
    await burst(layer, "chat.room.burst")
    assert await queued(layer, channel) == BURST


async def test_send_to_a_full_channel_raises_channel_full():
    """send() to one full channel raises ChannelFull, unlike group_send, which stays silent."""
    layer = InMemoryChannelLayer(capacity=1)
    channel = await layer.new_channel()
    await layer.send(channel, chat_event(0))
    with pytest.raises(ChannelFull):
        await layer.send(channel, chat_event(1))


class Clock:
    """A stand-in for the time module, `ahead` seconds in the future."""

    def __init__(self, ahead):
        self.now = time.time() + ahead

    def time(self):
        """The pretended present, as time.time() gives it."""
        return self.now


async def test_expired_message_takes_its_channel_out_of_every_group(monkeypatch):
    """A message left unread past `expiry` drops its channel from its groups, silently."""
    layer = InMemoryChannelLayer(expiry=60)
    channel = await layer.new_channel()
    await layer.group_add("chat.room.stuck", channel)
    await layer.group_send("chat.room.stuck", chat_event(0))
    await layer.receive(channel)
    await layer.group_send("chat.room.stuck", chat_event(1))  # left unread
    monkeypatch.setattr("channels.layers.time", Clock(ahead=61))
    # Cleaning up drops the stale message 1 and, with it, the channel's group membership,
    # so message 2 goes to nobody: the channel ends up with nothing to read.
    await layer.group_send("chat.room.stuck", chat_event(2))
    assert await queued(layer, channel) == 0


async def test_two_in_memory_layers_share_no_groups():
    """Two processes build two layers; a group_send on one never reaches a member of the other."""
    first_process, second_process = InMemoryChannelLayer(), InMemoryChannelLayer()
    channel = await first_process.new_channel()
    await first_process.group_add("chat.room.lobby", channel)
    await second_process.group_send("chat.room.lobby", chat_event(0))
    assert await queued(first_process, channel) == 0


async def test_group_membership_ends_silently_after_a_day(monkeypatch):
    """Membership lasts `group_expiry` (a day by default): a socket open longer hears nothing."""
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("chat.room.lobby", channel)
    monkeypatch.setattr("channels.layers.time", Clock(ahead=86_400 + 2))
    await layer.group_send("chat.room.lobby", chat_event(0))
    assert await queued(layer, channel) == 0
