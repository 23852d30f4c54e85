"""Capacity and expiry in Redis: what the core layer drops, and how this step makes it visible."""

import asyncio
import io
import json
import logging
import subprocess
import sys
import time
from types import SimpleNamespace

import channels_redis.core
import pytest
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer

from tests.helpers import layers_for

# chat.logging is imported inside the tests that use it: on a copy of the step before, which
# lacks it, `course.py check` can still load this file and grade its other tests.

BURST = 300  # three times the library's default capacity of 100
SENDERS, MESSAGES_EACH = 10, 100  # the course's standard burst: 10 senders x 100 messages


def chat_event(number):
    """The event the consumer sends to a room's group, numbered: its frame, already JSON."""
    frame = {"type": "message", "room": "burst", "username": "bot", "message": str(number)}
    return {"type": "chat.message", "text": json.dumps(frame)}


async def burst(layer, group):
    """Send BURST events to a group at once, before any member can read one."""
    await asyncio.gather(*(layer.group_send(group, chat_event(n)) for n in range(BURST)))


async def queued(layer, channel):
    """The messages waiting on a channel, in order (receives until none arrives within 1 s)."""
    messages = []
    while True:
        try:
            event = await asyncio.wait_for(layer.receive(channel), timeout=1)
        except TimeoutError:
            return messages
        messages.append(json.loads(event["text"])["message"])


async def frames_received(socket, expected):
    """How many frames a socket got, reading until `expected` or until none comes within 5 s."""
    for count in range(expected):
        try:
            await socket.receive_from(timeout=5)
        except TimeoutError:
            return count
    return expected


@pytest.fixture
async def layer(redis_url):
    """A function: a RedisChannelLayer on the tests' Redis, with library defaults unless told.

    The pool is the exception: the library's 100 connections cannot carry a burst of 300
    group_sends at once (test_redis_traps.py shows that trap on its own).
    """
    made = []

    def make(**config):
        config.setdefault("hosts", [{"address": redis_url, "max_connections": 1000}])
        made.append(RedisChannelLayer(**config))
        return made[-1]

    yield make
    for each in made:
        await each.close_pools()


@pytest.fixture
def step_config(redis_url):
    """The core layer's CONFIG from this step's settings, on the tests' Redis."""
    return layers_for(redis_url)["default"]["CONFIG"]


@pytest.fixture
def server_log():
    """What this step's logging prints for channels_redis (its console handler), caught."""
    handler = logging.getLogger("channels_redis").handlers[0]
    caught = io.StringIO()
    original = handler.setStream(caught)
    yield caught
    handler.setStream(original)


@pytest.mark.django_db(transaction=True)
async def test_step_settings_deliver_a_300_message_burst_to_one_socket(connect, logged_in):
    """With this step's capacity, every message of the burst reaches a slow socket."""
    socket, _ = await connect("/ws/chat/burst/", headers=logged_in["alice"].headers)
    await burst(get_channel_layer(), "chat.room.burst")
    received = [(await socket.receive_json_from(timeout=5))["message"] for _ in range(BURST)]
    # Concurrent group_sends reach Redis in no fixed order; what matters is that none is lost.
    assert sorted(received, key=int) == [str(n) for n in range(BURST)]


@pytest.mark.django_db(transaction=True)
async def test_burst_of_10_senders_x_100_reaches_every_socket(connect, logged_in):
    """10 senders each send 100 messages at once into a room of 3 sockets; each gets all 1,000."""
    sockets = []
    for login in logged_in.values():
        socket, _ = await connect("/ws/chat/standard/", headers=login.headers)
        sockets.append(socket)
    layer = get_channel_layer()

    async def sender(n):
        for m in range(MESSAGES_EACH):
            await layer.group_send("chat.room.standard", chat_event(f"{n}-{m}"))

    await asyncio.gather(*(sender(n) for n in range(SENDERS)))
    counts = [await frames_received(socket, SENDERS * MESSAGES_EACH) for socket in sockets]
    assert counts == [SENDERS * MESSAGES_EACH] * len(sockets)


INBOX_SENDERS, PRIVATE_EACH = 20, 100  # the inbox burst: 20 senders x 100 private messages


async def inbox_burst(layer, alice, bob):
    """Send the inbox burst from alice to bob as InboxConsumer does, with nobody reading.

    Each message goes to two groups, the sender's inbox and the recipient's (delivery_groups);
    alice's and bob's sockets are both on this process, so each message is two entries in its
    one queue.
    """
    from chat.inbox import inbox_group_name

    await layer.group_add(inbox_group_name(1), alice)
    await layer.group_add(inbox_group_name(2), bob)
    for number in range(INBOX_SENDERS * PRIVATE_EACH):
        for group in (inbox_group_name(1), inbox_group_name(2)):
            await layer.group_send(group, {"type": "inbox.private", "id": number})


async def private_ids(layer, channel):
    """The ids of the private events waiting on a channel (receives until 1 s passes idle)."""
    ids = []
    while True:
        try:
            ids.append((await asyncio.wait_for(layer.receive(channel), timeout=1))["id"])
        except TimeoutError:
            return ids


async def test_step_capacity_holds_an_inbox_burst_of_two_group_sends_per_message(
    layer, step_config
):
    """20 x 100 private messages are 4,000 entries in a process's queue: all are kept."""
    step = layer(**step_config)
    alice, bob = await step.new_channel(), await step.new_channel()
    await inbox_burst(step, alice, bob)
    everything = list(range(INBOX_SENDERS * PRIVATE_EACH))
    assert await private_ids(step, alice) == everything
    assert await private_ids(step, bob) == everything


async def test_capacity_for_one_send_per_message_loses_part_of_the_inbox_burst(
    layer, step_config
):
    """Sized as if each private message were one entry (2,000), the same burst loses some."""
    small = layer(**{**step_config, "capacity": INBOX_SENDERS * PRIVATE_EACH})
    alice, bob = await small.new_channel(), await small.new_channel()
    await inbox_burst(small, alice, bob)
    kept = len(await private_ids(small, alice)) + len(await private_ids(small, bob))
    assert kept == INBOX_SENDERS * PRIVATE_EACH  # half of the 4,000 entries


async def test_default_capacity_keeps_100_of_a_300_burst(layer):
    """RedisChannelLayer() keeps 100 messages of the burst for a channel; group_send drops 200."""
    default = layer()
    channel = await default.new_channel()
    await default.group_add("chat.room.burst", channel)
    await burst(default, "chat.room.burst")
    assert len(await queued(default, channel)) == 100


async def test_step_capacity_keeps_the_whole_burst(layer, step_config):
    """The layer built from this step's CONFIG keeps all 300 messages of the burst."""
    step = layer(**step_config)
    channel = await step.new_channel()
    await step.group_add("chat.room.burst", channel)
    await burst(step, "chat.room.burst")
    assert len(await queued(step, channel)) == BURST


async def test_send_to_a_full_channel_raises_channel_full(layer):
    """send() to a full channel raises ChannelFull, unlike group_send, which carries on."""
    small = layer(capacity=1)
    channel = await small.new_channel()
    await small.send(channel, chat_event(0))
    with pytest.raises(ChannelFull):
        await small.send(channel, chat_event(1))


async def test_channels_of_one_process_share_one_queue(layer):
    """A layer's channels share one Redis queue: one message for a socket fills it for another."""
    small = layer(capacity=1)
    first, second = await small.new_channel(), await small.new_channel()
    await small.send(first, chat_event(0))
    with pytest.raises(ChannelFull):
        await small.send(second, chat_event(1))


async def test_dropped_group_message_is_printed_as_a_warning(layer, server_log):
    """A group_send that finds the queue full prints a WARNING line in the server's log."""
    small = layer(capacity=1)
    channel = await small.new_channel()
    await small.group_add("chat.room.full", channel)
    await small.group_send("chat.room.full", chat_event(0))
    await small.group_send("chat.room.full", chat_event(1))  # the queue is full: dropped
    assert server_log.getvalue() == (
        "WARNING channels_redis.core: 1 of 1 channels over capacity in group chat.room.full\n"
    )


@pytest.mark.no_redis
def test_django_default_logging_prints_no_dropped_message_line():
    """Without this step's LOGGING, the same INFO line from channels_redis is printed nowhere."""
    script = (
        "import logging.config\n"
        "from django.utils.log import DEFAULT_LOGGING\n"
        "logging.config.dictConfig(DEFAULT_LOGGING)\n"
        "logging.getLogger('channels_redis.core').info("
        "'1 of 1 channels over capacity in group chat.room.full')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout == ""
    assert result.stderr == ""


@pytest.mark.no_redis
def test_other_channels_redis_records_keep_their_level():
    """The filter re-levels only "over capacity" records; anything else stays as logged."""
    from chat.logging import DroppedMessagesAsWarning

    record = logging.LogRecord("channels_redis.core", logging.INFO, "", 0, "other", (), None)
    DroppedMessagesAsWarning().filter(record)
    assert record.levelno == logging.INFO
    assert record.levelname == "INFO"


def time_module_ahead_by(seconds):
    """A stand-in for channels_redis's time module: its time() is SECONDS ahead of now."""
    later = time.time() + seconds
    return SimpleNamespace(time=lambda: later)


async def test_expired_message_is_dropped_and_the_channel_stays_in_its_group(layer, monkeypatch):
    """A message left unread past `expiry` is thrown away silently; the next one still arrives."""
    step = layer(expiry=60)
    channel = await step.new_channel()
    await step.group_add("chat.room.stuck", channel)
    await step.group_send("chat.room.stuck", chat_event(1))  # left unread
    monkeypatch.setattr(channels_redis.core, "time", time_module_ahead_by(61))
    # The next group_send first throws away what is older than `expiry`: message 1.
    await step.group_send("chat.room.stuck", chat_event(2))
    assert await queued(step, channel) == ["2"]


async def test_group_membership_ends_silently_after_a_day(layer, monkeypatch):
    """A channel in a group for more than group_expiry (a day) gets no more group messages."""
    step = layer()
    channel = await step.new_channel()
    await step.group_add("chat.room.long", channel)
    monkeypatch.setattr(channels_redis.core, "time", time_module_ahead_by(86_401))
    await step.group_send("chat.room.long", chat_event(1))
    assert await queued(step, channel) == []
