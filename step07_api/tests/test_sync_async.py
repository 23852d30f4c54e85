"""What notes/07-sync-and-async.md says about crossing between sync and async code."""

import asyncio
import threading
from unittest import mock

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core.exceptions import SynchronousOnlyOperation
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections, transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from tests.helpers import HOST

# chat.consumers and chat.inbox are imported inside the test that uses them: on a copy of the
# step before, which lacks them, `course.py check` can still load this file and grade the others.

pytestmark = pytest.mark.django_db(transaction=True)


async def running_loop():
    """The event loop this coroutine runs on."""
    return asyncio.get_running_loop()


def current_connection():
    """This thread's default database connection object."""
    return connections["default"]


def count_users():
    """A plain ORM call: sync code that opens a database connection."""
    return get_user_model().objects.count()


class UserCounter(AsyncWebsocketConsumer):
    """Answers every frame with the number of users, read through database_sync_to_async."""

    async def receive(self, text_data=None, bytes_data=None):
        """Count the users in a worker thread and send the number back."""
        await self.send(text_data=str(await database_sync_to_async(count_users)()))


async def clean_ups_during_one_frame(communicator):
    """How often close_old_connections() ran while COMMUNICATOR opened a socket, traded a frame."""
    with mock.patch("channels.db.close_old_connections") as close_old_connections:
        await communicator.send_input({"type": "websocket.connect"})
        await communicator.receive_output(timeout=2)  # websocket.accept
        await communicator.send_input({"type": "websocket.receive", "text": "how many?"})
        await communicator.receive_output(timeout=2)  # the answer
    await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    await communicator.wait()
    return close_old_connections.call_count


async def status_of_a_get(path):
    """GET PATH through Django's own ASGI handler, as a server would; the status it answers."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", HOST.encode())],
    }
    communicator = ApplicationCommunicator(ASGIHandler(), scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    await communicator.receive_output(timeout=10)  # the body
    await communicator.wait()
    return start["status"]


async def test_orm_call_on_the_event_loop_raises_synchronous_only_operation():
    """Django refuses a database call from the event loop's thread."""
    with pytest.raises(SynchronousOnlyOperation, match="use a thread or sync_to_async"):
        count_users()


async def test_sync_to_async_runs_the_orm_call():
    """The same call wrapped in sync_to_async runs in a worker thread and returns its value."""
    assert await sync_to_async(count_users)() == 0


async def test_database_sync_to_async_runs_the_orm_call():
    """database_sync_to_async is used exactly like sync_to_async."""
    assert await database_sync_to_async(count_users)() == 0


async def test_orm_async_methods_wrap_their_sync_twins():
    """Django's acount() is sync_to_async around count(): the same crossing, spelled shorter."""
    calls = []
    real_count = QuerySet.count

    def recording_count(queryset):
        calls.append(threading.get_ident())
        return real_count(queryset)

    with mock.patch.object(QuerySet, "count", recording_count):
        assert await get_user_model().objects.acount() == 0
    shared_thread = await sync_to_async(threading.get_ident)()
    assert calls == [shared_thread], "acount() did not call count() once, in sync_to_async's thread"


def test_django_closes_old_connections_around_each_http_request():
    """close_old_connections() listens to request_started and request_finished."""
    listening = [
        close_old_connections in signal._live_receivers(None)[0]
        for signal in (request_started, request_finished)
    ]
    assert listening == [True, True]


async def test_database_sync_to_async_closes_old_connections_before_and_after():
    """It calls close_old_connections() once before the function and once after it."""
    with mock.patch("channels.db.close_old_connections") as close_old_connections:
        await database_sync_to_async(count_users)()
    assert close_old_connections.call_count == 2


async def test_thread_sensitive_calls_share_one_thread_off_the_event_loop():
    """Two thread-sensitive calls (the default) run in the same thread, not the loop's."""
    first = await sync_to_async(threading.get_ident)()
    second = await database_sync_to_async(threading.get_ident)()
    assert first == second, "two thread-sensitive calls ran in different threads"
    assert first != threading.get_ident(), "a thread-sensitive call ran on the event loop's thread"


async def test_consumers_run_their_database_work_in_one_shared_thread(inbox, logged_in):
    """Two users' sockets save their messages in the same thread, which is not the loop's."""
    import chat.consumers
    from chat.inbox import save_private_message

    threads = []

    def recording_save(sender, data):
        threads.append(threading.get_ident())
        return save_private_message(sender, data)

    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    with mock.patch.object(chat.consumers, "save_private_message", recording_save):
        for socket in (alice, bob):
            await socket.send_json_to({"to": "carol", "message": "hi"})
            await socket.receive_json_from(timeout=2)
    assert threads[0] == threads[1], "the two sockets saved their messages in different threads"
    assert threads[0] != threading.get_ident(), "a message was saved on the event loop's thread"


async def test_django_gives_each_http_request_a_thread_sensitive_context():
    """Django's ASGI handler wraps each request in a ThreadSensitiveContext of its own."""
    threads = []
    both_started = threading.Barrier(2, timeout=5)

    def meet_the_other_request(**kwargs):
        # Sync code of each request waits for the other's: one shared thread would never run both.
        threads.append(threading.get_ident())
        both_started.wait()

    request_started.connect(meet_the_other_request)
    try:
        statuses = await asyncio.gather(status_of_a_get("/"), status_of_a_get("/"))
    finally:
        request_started.disconnect(meet_the_other_request)
    shared_thread = await sync_to_async(threading.get_ident)()
    assert statuses == [200, 200]
    assert threads[0] != threads[1], "two requests in flight ran their sync code in one thread"
    assert shared_thread not in threads, "a request ran its sync code in the process-wide thread"


async def test_thread_insensitive_call_gets_another_thread_and_connection():
    """With thread_sensitive=False the call runs in a pool thread with its own connection."""
    shared = await sync_to_async(current_connection)()
    pooled = await sync_to_async(current_connection, thread_sensitive=False)()
    assert shared is not pooled


async def test_async_to_sync_in_a_worker_thread_runs_on_the_callers_loop():
    """Sync code that async code called hands a coroutine back to that same event loop."""
    loop = await sync_to_async(async_to_sync(running_loop))()
    assert loop is asyncio.get_running_loop()


def test_async_to_sync_without_a_loop_starts_one():
    """Called from plain sync code, async_to_sync runs the coroutine on a loop of its own."""
    assert isinstance(async_to_sync(running_loop)(), asyncio.AbstractEventLoop)


async def test_async_to_sync_on_the_event_loop_raises():
    """On the event loop's own thread, async_to_sync refuses: await the coroutine instead."""
    with pytest.raises(RuntimeError, match="You cannot use AsyncToSync in the same thread"):
        async_to_sync(running_loop)()


async def test_connections_are_cleaned_up_when_a_server_runs_the_consumer():
    """Driven as a server drives it, the consumer cleans up around its handler and its query."""
    scope = {"type": "websocket", "path": "/", "headers": [], "subprotocols": []}
    communicator = ApplicationCommunicator(UserCounter.as_asgi(), scope)
    assert await clean_ups_during_one_frame(communicator) > 0


async def test_websocket_communicator_turns_the_connection_clean_up_off():
    """WebsocketCommunicator makes close_old_connections() a no-op while it sends and receives."""
    communicator = WebsocketCommunicator(UserCounter.as_asgi(), "/")
    assert await clean_ups_during_one_frame(communicator) == 0


async def test_async_consumer_closes_old_connections_before_each_handler():
    """Channels calls aclose_old_connections() before it runs each handler of a consumer."""
    communicator = WebsocketCommunicator(UserCounter.as_asgi(), "/")
    with mock.patch("channels.consumer.aclose_old_connections") as aclose_old_connections:
        await communicator.connect()
        await communicator.send_to(text_data="how many?")
        await communicator.receive_from(timeout=2)
    await communicator.disconnect()
    # One for websocket.connect, one for websocket.receive.
    assert aclose_old_connections.call_count == 2


async def test_transaction_atomic_has_no_async_form():
    """Django 5.2 has no async transaction: `async with transaction.atomic()` is a TypeError."""
    with pytest.raises(TypeError, match="asynchronous context manager"):
        async with transaction.atomic():
            pass


async def test_transaction_atomic_on_the_event_loop_raises_synchronous_only_operation():
    """The sync `with transaction.atomic()` opens a connection, so the loop's thread refuses it."""
    with pytest.raises(SynchronousOnlyOperation):
        with transaction.atomic():
            pass


async def test_related_object_not_loaded_cannot_be_read_in_async_code():
    """`message.sender` on a row fetched without it is a query, refused on the event loop."""
    from chat.models import PrivateMessage

    ada = await get_user_model().objects.acreate(username="ada")
    await PrivateMessage.objects.acreate(sender=ada, recipient=ada, body="hi")
    message = await PrivateMessage.objects.afirst()
    with pytest.raises(SynchronousOnlyOperation):
        message.sender  # noqa: B018 (reading the attribute is the query)


async def test_select_related_loads_the_related_object_for_async_code():
    """With select_related() the sender comes in the same query, and reads without one."""
    from chat.models import PrivateMessage

    ada = await get_user_model().objects.acreate(username="ada")
    await PrivateMessage.objects.acreate(sender=ada, recipient=ada, body="hi")
    message = await PrivateMessage.objects.select_related("sender").afirst()
    assert message.sender.username == "ada"


async def test_async_for_reads_a_queryset():
    """`async for` over a queryset fetches its rows in a worker thread, then yields them."""
    await get_user_model().objects.acreate(username="ada")
    assert [user.username async for user in get_user_model().objects.all()] == ["ada"]


def test_sync_server_reads_a_whole_async_stream_before_sending_any_of_it():
    """Under WSGI an async iterator is read to its end first: an endless stream never starts."""
    produced = []

    async def parts():
        for number in range(3):
            produced.append(number)
            yield str(number)

    response = StreamingHttpResponse(parts())
    with pytest.warns(Warning, match="must consume asynchronous iterators"):
        first = next(iter(response))
    assert first == b"0"
    assert produced == [0, 1, 2]
