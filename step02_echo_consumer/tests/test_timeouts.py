"""Daphne's own limits on a socket's life, seen by a real client."""

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import Server

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def short_lived_daphne(tmp_path_factory):
    """`daphne --websocket_timeout 2`: every socket is closed 2 s after it opened."""
    server = Server(tmp_path_factory.mktemp("timeout"))
    try:
        server.start(
            "-m",
            "daphne",
            "--websocket_timeout",
            "2",
            "-b",
            "127.0.0.1",
            "-p",
            str(server.port),
            "config.asgi:application",
        )
        yield server
    finally:
        server.stop()


def test_daphne_closes_every_socket_after_websocket_timeout_with_1000(short_lived_daphne):
    """After --websocket_timeout seconds (86,400 by default), Daphne closes a socket: code 1000."""
    server = short_lived_daphne
    with connect(f"{server.ws_url}/ws/echo/", origin=server.url) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=10)
    assert closed.value.rcvd.code == 1000


def test_busy_socket_is_closed_after_websocket_timeout_too(short_lived_daphne):
    """The timeout counts from the handshake, not from the last frame: a busy socket closes too."""
    server = short_lived_daphne
    with connect(f"{server.ws_url}/ws/echo/", origin=server.url) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(1_000_000):  # echoes back and forth until Daphne closes (about 2 s)
                socket.send("still talking")
                socket.recv(timeout=5)
    assert closed.value.rcvd.code == 1000
