"""HandshakeLimit: a handshake waits for a turn, and is refused at once if the wait is too long."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from accounts.handshakes import HandshakeLimit
from config.asgi import application


class Gate:
    """An ASGI app that accepts each handshake only once the test opens the gate."""

    def __init__(self):
        self.opened = asyncio.Event()
        self.started = 0

    async def __call__(self, scope, receive, send):
        """Wait for the gate, then accept, then wait for the disconnect."""
        self.started += 1
        await receive()  # websocket.connect
        await self.opened.wait()
        await send({"type": "websocket.accept"})
        await receive()  # websocket.disconnect


async def handshake(app):
    """Start a handshake to APP; the communicator and the task that connects."""
    socket = WebsocketCommunicator(app, "/")
    return socket, asyncio.ensure_future(socket.connect(timeout=5))


async def test_a_handshake_beyond_the_limit_waits_for_a_turn():
    """With one turn taken, a second handshake waits, and goes on once the first is accepted."""
    gate = Gate()
    app = HandshakeLimit(gate, limit=1, wait=2)
    first, first_connect = await handshake(app)
    second, second_connect = await handshake(app)
    await asyncio.sleep(0.2)
    assert gate.started == 1
    gate.opened.set()
    assert (await first_connect)[0] is True
    assert (await second_connect)[0] is True
    await first.disconnect()
    await second.disconnect()


async def test_a_handshake_that_waits_too_long_is_refused():
    """With every turn taken for longer than `wait`, a handshake is refused, not left hanging."""
    gate = Gate()
    app = HandshakeLimit(gate, limit=1, wait=0.2)
    first, first_connect = await handshake(app)
    second, second_connect = await handshake(app)
    connected, _ = await second_connect
    assert connected is False
    assert gate.started == 1
    gate.opened.set()
    await first_connect
    await first.disconnect()


async def test_a_turn_is_given_back_when_the_app_ends_without_answering():
    """An app that returns without accepting or closing still frees its turn for the next one."""
    calls = []

    async def gives_up_once(scope, receive, send):
        """Return at once the first time, as an app that crashed would; accept after that."""
        calls.append(scope)
        if len(calls) > 1:
            await receive()
            await send({"type": "websocket.accept"})

    app = HandshakeLimit(gives_up_once, limit=1, wait=0.2)
    await app({"type": "websocket", "path": "/"}, receive=None, send=None)
    socket = WebsocketCommunicator(app, "/")
    connected, _ = await socket.connect()
    assert connected is True
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
def test_the_steps_websocket_stack_has_a_handshake_limit():
    """config.asgi puts HandshakeLimit between the origin check and the session lookup."""
    origin_check = application.application_mapping["websocket"]
    assert isinstance(origin_check.application, HandshakeLimit)
