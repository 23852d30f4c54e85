"""What a socket leaves in its groups when it ends: closed, crashed (a handler raised), cancelled.

Three consumers. The room consumer and the inbox consumer, through config.asgi.application,
clean up even after a handler raised: LoggedInConsumer.__call__ leaves every group they joined
(the session's, the user's, and the room's or the user's inbox), then lets the error go on.
Member is Channels' plain pattern cut to the bone (join in connect, leave in disconnect): it
shows what a consumer without that catch leaves behind, a dead member in the group. Nothing
here ships a bug: a handler raises because a test patches one in.

The last part runs on Redis, on each layer: what Redis itself holds for a group once a
handler has raised, and what a cleanup that fails for want of Redis adds (nothing).
"""

import asyncio
import contextlib
import shutil

import pytest
import redis
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

import chat.consumers
import chat.inbox
from accounts.sessions import SESSION_GROUP, user_group_name
from chat.frames import clean_message
from chat.inbox import inbox_group_name
from tests.helpers import HOST, ORIGIN, RedisServer, layers_for, unavailable

GROUP = "cleanup.room"
ROOM_PATH = "/ws/chat/cleanup/"
ROOM_GROUP = "chat.room.cleanup"
INBOX_PATH = "/ws/inbox/"

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


def members(layer, group=GROUP):
    """The channel names in a group right now (the in-memory layer keeps groups in a dict)."""
    return set(layer.groups.get(group, {}))


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


async def test_plain_consumer_that_raises_leaves_a_dead_member(layer, member):
    """Without a catch like the room's, a handler that raises skips disconnect(): a dead member."""
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


# The room consumer: the same ends, with the cleanup that does not depend on the happy path.


def clean_message_with_a_bug(data):
    """clean_message with a bug planted by the tests: the message "boom" raises."""
    if data.get("message") == "boom":
        raise RuntimeError("a bug in a handler")
    return clean_message(data)


@pytest.fixture
def bug(monkeypatch):
    """Plant the bug in the room's and the inbox's receive(), for this test only."""
    monkeypatch.setattr(chat.consumers, "clean_message", clean_message_with_a_bug)
    monkeypatch.setattr(chat.inbox, "clean_message", clean_message_with_a_bug)


# A socket takes the layer set when it opens: a test that reads the layer asks for `layer` first.
@pytest.fixture
async def open_socket():
    """Open a Login's sockets through config.asgi.application; after the test, close those alive."""
    from config.asgi import application

    opened = []

    async def open_one(login, path=ROOM_PATH):
        headers = [(b"host", HOST.encode()), (b"origin", ORIGIN.encode()), *login.headers]
        socket = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await socket.connect()
        assert connected
        opened.append(socket)
        return socket

    yield open_one
    for socket in opened:
        if not socket.future.done():
            await socket.disconnect()


async def crash(socket, frame=None):
    """Send a frame that trips the planted bug; the error the consumer ended with, or None."""
    await socket.send_json_to(frame or {"message": "boom"})
    try:
        await socket.wait()
    except RuntimeError as error:
        return error
    return None


@pytest.fixture
def alice_groups(logged_in):
    """The groups alice's room socket joins: the room's, her session's and her user's."""
    alice = logged_in["alice"]
    return [ROOM_GROUP, alice.client.session[SESSION_GROUP], user_group_name(alice.user.pk)]


async def test_room_socket_is_in_the_rooms_group(layer, open_socket, logged_in):
    """After the handshake, the room's group has the socket's channel."""
    await open_socket(logged_in["alice"])
    assert len(members(layer, ROOM_GROUP)) == 1


async def test_closed_room_socket_leaves_the_rooms_group(layer, open_socket, logged_in):
    """When the socket closes, Channels leaves self.groups: the room's group is empty again."""
    socket = await open_socket(logged_in["alice"])
    await socket.disconnect()
    assert members(layer, ROOM_GROUP) == set()


async def test_room_socket_whose_handler_raises_leaves_the_rooms_group(
    layer, open_socket, bug, logged_in
):
    """A handler that raises still takes the socket's channel out of the room's group."""
    await crash(await open_socket(logged_in["alice"]))
    assert members(layer, ROOM_GROUP) == set()


async def test_crashed_socket_leaves_every_group_it_joined(
    layer, open_socket, bug, logged_in, alice_groups
):
    """The session's and the user's groups too: no group anywhere keeps the dead channel."""
    await crash(await open_socket(logged_in["alice"]))
    assert [members(layer, group) for group in alice_groups] == [set(), set(), set()]


async def test_handler_error_still_ends_the_consumer(layer, open_socket, bug, logged_in):
    """After the cleanup the error goes on: Daphne logs its traceback and closes with 1011."""
    error = await crash(await open_socket(logged_in["alice"]))
    assert str(error) == "a bug in a handler"


async def test_room_goes_on_without_the_crashed_socket(layer, open_socket, bug, logged_in):
    """The others keep chatting, and the group holds only them: no event for the dead one."""
    crashed, other = await open_socket(logged_in["alice"]), await open_socket(logged_in["bob"])
    await crash(crashed)
    await other.send_json_to({"message": "still here"})
    assert (await other.receive_json_from())["message"] == "still here"
    assert len(members(layer, ROOM_GROUP)) == 1


async def cancel(socket):
    """Cancel the consumer's task, as Daphne does when it stops, and wait until it has ended."""
    socket.future.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await socket.future


async def test_cancelled_room_socket_leaves_the_rooms_group(layer, open_socket, logged_in):
    """Cancelled (a server that stops), the room socket still leaves the room's group."""
    socket = await open_socket(logged_in["alice"])
    await cancel(socket)
    assert members(layer, ROOM_GROUP) == set()


async def test_cancelled_consumer_still_ends_cancelled(layer, open_socket, logged_in):
    """The cleanup does not swallow the cancellation: the task ends cancelled, as Daphne expects."""
    socket = await open_socket(logged_in["alice"])
    await cancel(socket)
    assert socket.future.cancelled()


# The inbox consumer: its socket is in the user's inbox group as well.


@pytest.fixture
def alice_inbox_groups(logged_in, alice_groups):
    """The groups alice's inbox socket joins: her session's, her user's and her inbox."""
    return [*alice_groups[1:], inbox_group_name(logged_in["alice"].user.pk)]


async def test_closed_inbox_socket_leaves_its_groups(
    layer, open_socket, logged_in, alice_inbox_groups
):
    """When the inbox socket closes, Channels leaves self.groups, the inbox group included."""
    socket = await open_socket(logged_in["alice"], INBOX_PATH)
    await socket.disconnect()
    assert [members(layer, group) for group in alice_inbox_groups] == [set(), set(), set()]


async def test_inbox_socket_whose_handler_raises_leaves_its_groups(
    layer, open_socket, bug, logged_in, alice_inbox_groups
):
    """A bug while saving a private message still takes the socket out of all three groups."""
    socket = await open_socket(logged_in["alice"], INBOX_PATH)
    await crash(socket, {"to": "bob", "message": "boom"})
    assert [members(layer, group) for group in alice_inbox_groups] == [set(), set(), set()]


async def test_cancelled_inbox_socket_leaves_its_groups(
    layer, open_socket, logged_in, alice_inbox_groups
):
    """Cancelled, the inbox socket leaves all three groups too."""
    socket = await open_socket(logged_in["alice"], INBOX_PATH)
    await cancel(socket)
    assert [members(layer, group) for group in alice_inbox_groups] == [set(), set(), set()]


# On Redis, each layer: what Redis holds for the group once a socket's handler has raised.


@pytest.fixture(params=["core", "pubsub"])
def redis_layer(request, settings, redis_url):
    """The step's layer on the tests' Redis: the core layer, then the Pub/Sub layer."""
    settings.CHANNEL_LAYERS = layers_for(redis_url, "pubsub" if request.param == "pubsub" else None)
    return request.param


def members_in_redis(redis_url, layer_name, group):
    """What Redis holds for a group: its sorted set's size (core), or its subscribers (Pub/Sub).

    The core layer keeps a group in the sorted set `asgi:group:<name>` (`_group_key` in
    channels_redis/core.py). The Pub/Sub layer keeps members in the process's memory and
    subscribes the process to the channel `asgi__group__<name>` while it has any
    (`_get_group_channel_name` in channels_redis/pubsub.py): one subscriber per process.
    """
    client = redis.Redis.from_url(redis_url)
    try:
        if layer_name == "core":
            return client.zcard(f"asgi:group:{group}")
        return client.pubsub_numsub(f"asgi__group__{group}")[0][1]
    finally:
        client.close()


async def settled_members(redis_url, layer_name, group, expected, timeout=2):
    """Members in Redis, read until they are EXPECTED or TIMEOUT seconds have passed.

    The Pub/Sub layer writes UNSUBSCRIBE without waiting for Redis to answer it.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = members_in_redis(redis_url, layer_name, group)
        if found == expected or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.05)


async def test_room_socket_is_a_member_in_redis(redis_layer, redis_url, open_socket, logged_in):
    """On each layer Redis shows the socket's membership: one member, one subscription."""
    await open_socket(logged_in["alice"])
    assert await settled_members(redis_url, redis_layer, ROOM_GROUP, 1) == 1


async def test_crashed_room_socket_leaves_no_member_in_redis(
    redis_layer, redis_url, open_socket, bug, logged_in
):
    """After a handler raised, the room's group holds no dead member in Redis, on either layer."""
    await crash(await open_socket(logged_in["alice"]))
    assert await settled_members(redis_url, redis_layer, ROOM_GROUP, 0) == 0


async def test_cancelled_room_socket_leaves_no_member_in_redis(
    redis_layer, redis_url, open_socket, logged_in
):
    """Cancelled, as by a server that stops, the room socket leaves no member in Redis either."""
    socket = await open_socket(logged_in["alice"])
    await settled_members(redis_url, redis_layer, ROOM_GROUP, 1)
    await cancel(socket)
    assert await settled_members(redis_url, redis_layer, ROOM_GROUP, 0) == 0


async def test_crashed_inbox_socket_leaves_no_member_in_redis(
    redis_layer, redis_url, open_socket, bug, logged_in
):
    """The same for an inbox socket: its user's inbox group is empty in Redis afterwards."""
    socket = await open_socket(logged_in["alice"], INBOX_PATH)
    await crash(socket, {"to": "bob", "message": "boom"})
    group = inbox_group_name(logged_in["alice"].user.pk)
    assert await settled_members(redis_url, redis_layer, group, 0) == 0


@pytest.mark.parametrize("attempt", range(5))
async def test_closed_room_sockets_end_their_consumers_at_once(
    redis_layer, open_socket, logged_in, attempt
):
    """Two room sockets of one process close in turn; each consumer ends within half a second.

    Channels cancels a consumer's receive() and waits for it. On Python 3.11 redis-py can lose
    that cancellation (chat/layers.py, ReceivingConnection); without the fix, the second
    consumer was still running after half a second in each of 5 runs on the core layer.
    """
    sockets = [await open_socket(logged_in[name]) for name in ["alice", "bob"]]
    await sockets[0].send_json_to({"message": "hello"})
    await sockets[1].receive_json_from()
    for socket in sockets:
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        done, _ = await asyncio.wait([socket.future], timeout=0.5)
        assert done, "a closed socket's consumer was still running half a second later"


@pytest.fixture
def lost_redis(tmp_path, settings):
    """A redis-server of the test's own under the Pub/Sub layer; stop() takes it away."""
    if not shutil.which("redis-server"):
        unavailable("Stopping Redis needs redis-server on PATH (see REDIS_HELP)")
    server = RedisServer(tmp_path)
    server.start()
    settings.CHANNEL_LAYERS = layers_for(server.url, "pubsub")
    yield server
    server.stop()


async def test_cleanup_without_redis_leaves_the_bugs_error_alone(
    lost_redis, open_socket, bug, logged_in, caplog
):
    """Cleanup that fails for want of Redis adds nothing: no chained error, no log line of ours.

    On the Pub/Sub layer, whose receive() waits through an outage, so that the handler runs
    while Redis is down: leaving the groups fails then, at UNSUBSCRIBE.
    """
    socket = await open_socket(logged_in["alice"])
    lost_redis.stop()
    error = await crash(socket)
    assert str(error) == "a bug in a handler"
    assert error.__context__ is None  # Daphne's traceback is the bug's alone
    assert [record for record in caplog.records if record.name.startswith("accounts")] == []
