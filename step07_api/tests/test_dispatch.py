"""What the consumers' dispatch() skips, and why skipping it never leaves a stale connection."""

import contextlib
import json
import threading
from unittest import mock

import pytest
from channels.db import DatabaseSyncToAsync
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db(transaction=True)


async def exchange_everything(connect, logged_in):
    """Open a room and an inbox (replaying), and send a message on each, as alice."""
    alice = logged_in["alice"]
    room, _ = await connect("/ws/chat/lobby/", headers=alice.headers)
    await room.send_json_to({"message": "hello room"})
    await room.receive_json_from(timeout=2)
    socket, _ = await connect("/ws/inbox/?after=0", headers=alice.headers)
    await socket.send_json_to({"to": "bob", "message": "hello bob"})
    await socket.receive_json_from(timeout=2)


async def test_the_consumers_skip_the_clean_up_before_each_handler(connect, logged_in):
    """Channels' dispatch() awaits aclose_old_connections() per handler; this step's does not."""
    with mock.patch("channels.consumer.aclose_old_connections") as aclose_old_connections:
        await exchange_everything(connect, logged_in)
    assert aclose_old_connections.call_count == 0


@contextlib.contextmanager
def queries_recorded():
    """Record every query made meanwhile, as (SQL, whether it ran in database_sync_to_async)."""
    inside = threading.local()
    queries = []
    handle = DatabaseSyncToAsync.thread_handler
    execute = CursorWrapper._execute_with_wrappers

    def thread_handler(self, *args, **kwargs):
        inside.yes = True
        try:
            return handle(self, *args, **kwargs)
        finally:
            inside.yes = False

    def recording(self, sql, *args, **kwargs):
        queries.append((sql, getattr(inside, "yes", False)))
        return execute(self, sql, *args, **kwargs)

    with (
        mock.patch.object(DatabaseSyncToAsync, "thread_handler", thread_handler),
        mock.patch.object(CursorWrapper, "_execute_with_wrappers", recording),
    ):
        yield queries


async def test_every_query_of_the_consumers_runs_inside_database_sync_to_async(
    connect, logged_in
):
    """What makes the skip safe: each query runs where old connections are closed around it.

    database_sync_to_async calls close_old_connections() before and after the function it
    runs. A query made anywhere else (the async ORM, a plain sync_to_async) would leave its
    connection open until the next clean-up, which this step's dispatch() no longer does.
    """
    with queries_recorded() as queries:
        await exchange_everything(connect, logged_in)
    assert queries, "the exchange made no query: the test would prove nothing"
    assert [sql for sql, inside in queries if not inside] == []


async def test_a_room_message_is_encoded_once_for_every_socket(connect, logged_in):
    """The room's event carries the frame as JSON text; each socket sends that text as it is."""
    alice, bob = logged_in["alice"], logged_in["bob"]
    sender, _ = await connect("/ws/chat/once/", headers=alice.headers)
    listener, _ = await connect("/ws/chat/once/", headers=bob.headers)
    with mock.patch("json.dumps", wraps=json.dumps) as dumps:
        await sender.send_json_to({"message": "hi"})
        texts = [await sender.receive_from(timeout=2), await listener.receive_from(timeout=2)]
    frame = {"type": "message", "room": "once", "username": "alice", "message": "hi"}
    assert texts == [json.dumps(frame)] * 2
    # One encoding in the consumer that received it, one by the test's own send_json_to.
    assert dumps.call_count == 2


async def test_every_query_of_the_channel_consumer_runs_inside_database_sync_to_async(
    connect, logged_in, chat_channel
):
    """The chat channel's consumer too: its check of the URL and its save, in the thread."""
    with queries_recorded() as queries:
        path = f"/ws/channels/{chat_channel.pk}/"
        socket, _ = await connect(path, headers=logged_in["alice"].headers)
        await socket.send_json_to({"body": "hello channel"})
        await socket.receive_json_from(timeout=2)
    assert queries, "the exchange made no query: the test would prove nothing"
    assert [sql for sql, inside in queries if not inside] == []
