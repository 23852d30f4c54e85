"""Where a synchronous consumer's code runs: every sync consumer of a process shares one thread."""

import threading
import time

import pytest
from channels.generic.websocket import WebsocketConsumer
from channels.testing import WebsocketCommunicator


class ThreadReporter(WebsocketConsumer):
    """A sync consumer that blocks for a moment, then says which thread ran it."""

    def receive(self, text_data=None, bytes_data=None):
        """Block (as a slow query would), then send back the running thread's id."""
        time.sleep(0.2)
        self.send(text_data=str(threading.get_ident()))


@pytest.fixture
async def two_sockets():
    """Two sockets, each with a ThreadReporter of its own, disconnected after the test."""
    sockets = [WebsocketCommunicator(ThreadReporter.as_asgi(), "/") for _ in range(2)]
    for socket in sockets:
        await socket.connect()
    yield sockets
    for socket in sockets:
        await socket.disconnect()


async def test_two_sync_consumers_run_on_the_same_thread(two_sockets):
    """Two sockets' sync handlers run on one thread: one's blocking call holds up the other."""
    first, second = two_sockets
    await first.send_to(text_data="which thread?")
    await second.send_to(text_data="which thread?")
    threads = {await first.receive_from(timeout=5), await second.receive_from(timeout=5)}
    assert len(threads) == 1


async def test_sync_consumer_does_not_run_on_the_event_loops_thread(two_sockets):
    """The shared thread is not the event loop's: async consumers keep running meanwhile."""
    first, _ = two_sockets
    await first.send_to(text_data="which thread?")
    assert await first.receive_from(timeout=5) != str(threading.get_ident())
