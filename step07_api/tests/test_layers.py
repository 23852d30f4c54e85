"""Rooms and private messages through config.asgi.application, on each of the two Redis layers."""

import asyncio
import contextlib
import shutil
import time
import uuid

import pytest
import redis
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.test import AsyncClient
from redis.exceptions import ConnectionError as RedisConnectionError

from chat.layers import ForgettingPubSubChannelLayer, WaitingRedisChannelLayer
from tests.helpers import HOST, ORIGIN, RedisServer, free_port, layers_for, unavailable

pytestmark = pytest.mark.django_db(transaction=True)

BACKENDS = {"core": WaitingRedisChannelLayer, "pubsub": ForgettingPubSubChannelLayer}


@pytest.fixture(params=["core", "pubsub"])
def layer_name(request, settings, redis_url):
    """Run the test on the core layer, then on the Pub/Sub layer (as CHANNEL_LAYER=pubsub does)."""
    channel_layer = "pubsub" if request.param == "pubsub" else None
    settings.CHANNEL_LAYERS = layers_for(redis_url, channel_layer)
    return request.param


def http(login):
    """An AsyncClient holding the Login's session cookie, for tests that also use sockets."""
    client = AsyncClient()
    client.cookies = login.client.cookies
    return client


def test_setting_picks_the_layer(layer_name):
    """CHANNEL_LAYER=pubsub picks the forgetting Pub/Sub layer; without it, the waiting core one."""
    assert type(get_channel_layer()) is BACKENDS[layer_name]


async def test_room_message_reaches_every_member(layer_name, connect, logged_in):
    """alice and bob in one room both get alice's message through Redis."""
    alice, _ = await connect("/ws/chat/redis/", headers=logged_in["alice"].headers)
    bob, _ = await connect("/ws/chat/redis/", headers=logged_in["bob"].headers)
    await alice.send_json_to({"message": "through Redis"})
    expected = {"type": "message", "room": "redis", "username": "alice", "message": "through Redis"}
    received = [await alice.receive_json_from(timeout=2), await bob.receive_json_from(timeout=2)]
    assert received == [expected, expected]


async def test_room_message_does_not_reach_another_room(layer_name, connect, logged_in):
    """A socket in another room hears nothing of it."""
    alice, _ = await connect("/ws/chat/redis/", headers=logged_in["alice"].headers)
    elsewhere, _ = await connect("/ws/chat/elsewhere/", headers=logged_in["bob"].headers)
    await alice.send_json_to({"message": "only here"})
    await alice.receive_json_from(timeout=2)
    assert await elsewhere.receive_nothing(timeout=0.2)


async def test_private_message_reaches_the_recipient(layer_name, inbox, logged_in):
    """bob's inbox socket gets alice's private message as the DESIGN's "private" frame."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "just for bob"})
    frame = await bob.receive_json_from(timeout=2)
    assert frame["type"] == "private"
    assert frame["from"] == "alice"
    assert frame["to"] == "bob"
    assert frame["message"] == "just for bob"


async def test_private_message_reaches_the_sender(layer_name, inbox, logged_in):
    """alice's own inbox socket gets the very frame bob gets."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "copy for me"})
    assert await alice.receive_json_from(timeout=2) == await bob.receive_json_from(timeout=2)


async def test_private_message_skips_a_third_user(layer_name, inbox, logged_in):
    """carol's inbox socket gets nothing of a message between alice and bob."""
    alice = await inbox(logged_in["alice"])
    carol = await inbox(logged_in["carol"])
    await alice.send_json_to({"to": "bob", "message": "not for carol"})
    await alice.receive_json_from(timeout=2)
    assert await carol.receive_nothing(timeout=0.2)


async def test_form_post_delivers_live_through_redis(layer_name, inbox, logged_in):
    """The sync view's async_to_sync(group_send) reaches bob's socket through Redis."""
    bob = await inbox(logged_in["bob"])
    await http(logged_in["alice"]).post("/inbox/send/", {"to": "bob", "message": "by form"})
    assert (await bob.receive_json_from(timeout=2))["message"] == "by form"


async def test_core_layer_keeps_a_message_until_its_channel_reads(redis_url):
    """A message for a channel nobody is reading yet waits in Redis, and is there to read later."""
    layer = WaitingRedisChannelLayer(**layers_for(redis_url)["default"]["CONFIG"])
    channel = f"later.{uuid.uuid4().hex}"
    try:
        await layer.send(channel, {"type": "note", "text": "kept"})
        received = await asyncio.wait_for(layer.receive(channel), timeout=2)
    finally:
        await layer.close_pools()
    assert received == {"type": "note", "text": "kept"}


async def test_pubsub_layer_drops_a_message_nobody_is_subscribed_to(redis_url):
    """Pub/Sub keeps nothing: a message published before anyone listens is gone for good."""
    layer = RedisPubSubChannelLayer(**layers_for(redis_url, "pubsub")["default"]["CONFIG"])
    channel = f"later.{uuid.uuid4().hex}"
    try:
        await layer.send(channel, {"type": "note", "text": "lost"})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(channel), timeout=0.5)
    finally:
        await layer.flush()


async def subscribed(redis_url, channels):
    """Which of CHANNELS Redis still has a subscriber for, polled for up to 2 s until none."""
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        for _ in range(40):
            found = {name.decode() for name in await client.pubsub_channels()} & set(channels)
            if not found:
                break
            await asyncio.sleep(0.05)
        return found
    finally:
        await client.aclose()


async def test_pubsub_receives_cancelled_again_while_unsubscribing_log_nothing(redis_url, caplog):
    """A server stopping just after many sockets closed cancels each receive() a second time,
    while it waits for the shard's lock to unsubscribe: no traceback from channels_redis, and
    every channel still ends unsubscribed."""
    layer = ForgettingPubSubChannelLayer(**layers_for(redis_url, "pubsub")["default"]["CONFIG"])
    channels = [await layer.new_channel() for _ in range(50)]
    receives = [asyncio.ensure_future(layer.receive(channel)) for channel in channels]
    try:
        await asyncio.sleep(0.1)
        for receive in receives:
            receive.cancel()  # the sockets close
        await asyncio.sleep(0)  # each starts to unsubscribe; most wait for the shard's lock
        for receive in receives:
            receive.cancel()  # the server stops
        ended = await asyncio.gather(*receives, return_exceptions=True)
        left = await subscribed(redis_url, channels)
    finally:
        await layer.flush()
    assert all(isinstance(end, asyncio.CancelledError) for end in ended)
    assert "cleaning-up" not in caplog.text, "channels_redis logged the second cancellation"
    assert not left, f"{len(left)} channels are still subscribed"


async def test_pubsub_group_discard_cancelled_while_unsubscribing_is_cancelled(redis_url):
    """A group_discard cancelled while it unsubscribes is cancelled, and the group's channel
    still ends unsubscribed."""
    layer = ForgettingPubSubChannelLayer(**layers_for(redis_url, "pubsub")["default"]["CONFIG"])
    group = f"discard.{uuid.uuid4().hex}"
    try:
        member = await layer.new_channel()
        await layer.group_add(group, member)
        group_channel = layer._get_layer()._get_group_channel_name(group)
        discard = asyncio.ensure_future(layer.group_discard(group, member))
        await asyncio.sleep(0)
        discard.cancel()
        with pytest.raises(asyncio.CancelledError):
            await discard
        left = await subscribed(redis_url, [group_channel])
    finally:
        await layer.flush()
    assert not left, "the group's channel is still subscribed"


@pytest.mark.parametrize("channel_layer", [None, "pubsub"], ids=["core", "pubsub"])
async def test_handshake_without_redis_is_refused_with_4503(settings, logged_in, channel_layer):
    """With no Redis to join its groups in, a handshake is refused with 4503 (try again later)."""
    from config.asgi import application

    settings.CHANNEL_LAYERS = layers_for(f"redis://127.0.0.1:{free_port()}/0", channel_layer)
    headers = [(b"host", HOST.encode()), (b"origin", ORIGIN.encode()), *logged_in["alice"].headers]
    communicator = WebsocketCommunicator(application, "/ws/chat/redis/", headers=headers)
    try:
        assert await communicator.connect(timeout=5) == (False, 4503)
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("channel_layer", [None, "pubsub"], ids=["core", "pubsub"])
def test_form_send_without_redis_saves_and_says_so(settings, logged_in, channel_layer):
    """With Redis gone, POST /inbox/send/ saves the message and redirects, instead of a 500."""
    from chat.models import PrivateMessage

    settings.CHANNEL_LAYERS = layers_for(f"redis://127.0.0.1:{free_port()}/0", channel_layer)
    response = logged_in["alice"].client.post("/inbox/send/", {"to": "bob", "message": "saved"})
    assert response.status_code == 302
    assert PrivateMessage.objects.filter(body="saved").count() == 1


@pytest.mark.parametrize("channel_layer", [None, "pubsub"], ids=["core", "pubsub"])
def test_logout_without_redis_still_logs_out(settings, logged_in, channel_layer):
    """With Redis gone, the logout form still ends the session (the sockets' close is skipped)."""
    settings.CHANNEL_LAYERS = layers_for(f"redis://127.0.0.1:{free_port()}/0", channel_layer)
    client = logged_in["alice"].client
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/inbox/").status_code == 302


async def test_two_core_layers_in_one_process_use_two_queues(redis_url):
    """A channel name carries its layer object's random prefix, not the process id: two differ."""
    first = WaitingRedisChannelLayer(hosts=[redis_url])
    second = WaitingRedisChannelLayer(hosts=[redis_url])
    names = [await first.new_channel(), await second.new_channel()]
    prefixes = {name.split("!")[0] for name in names}
    assert len(prefixes) == 2


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, which it may stop and start again; stopped after."""
    if not shutil.which("redis-server"):
        unavailable("Stopping and restarting Redis needs redis-server on PATH (see REDIS_HELP)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def subscribed_channels(url, expected):
    """The channels Redis has subscribers for, once they are EXPECTED or 2 s have passed."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 2
    while (channels := sorted(client.pubsub_channels())) != expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    client.close()
    return channels


async def test_pubsub_channel_dropped_while_redis_was_down_stays_dropped(own_redis):
    """A consumer's channel dropped while Redis was down is not subscribed again once it is back.

    redis-py subscribes a new connection to every channel whose UNSUBSCRIBE Redis has not
    confirmed; chat.layers.ForgettingPubSub forgets those first.
    """
    layer = ForgettingPubSubChannelLayer(hosts=[own_redis.url])
    try:
        dropped = await layer.new_channel()
        receiving = asyncio.create_task(layer.receive(dropped))
        await asyncio.sleep(0.1)
        own_redis.stop()
        receiving.cancel()  # as Channels does when a consumer ends; the layer then unsubscribes
        with contextlib.suppress(asyncio.CancelledError):
            await receiving
        own_redis.start()
        kept = await layer.new_channel()
        expected = [kept.encode()]
        assert await asyncio.to_thread(subscribed_channels, own_redis.url, expected) == expected
    finally:
        await layer.flush()


async def test_pubsub_group_left_while_redis_was_down_can_be_joined_again(own_redis):
    """A group left while Redis was down, joined again once it is back, hears its messages."""
    layer = ForgettingPubSubChannelLayer(hosts=[own_redis.url])
    try:
        leaving = await layer.new_channel()
        await layer.group_add("room", leaving)
        own_redis.stop()
        await asyncio.sleep(0.5)  # the layer's reader has found the connection lost by then
        with pytest.raises(RedisConnectionError):
            await layer.group_discard("room", leaving)
        own_redis.start()
        joining = await layer.new_channel()
        await layer.group_add("room", joining)
        await layer.group_send("room", {"type": "note", "text": "heard"})
        received = await asyncio.wait_for(layer.receive(joining), timeout=2)
    finally:
        await layer.flush()
    assert received == {"type": "note", "text": "heard"}
