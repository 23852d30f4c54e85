"""Daphne's own limits on a socket's life, seen by a real client."""

import base64
import contextlib
import os
import socket

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.helpers import Server

pytestmark = pytest.mark.live


@contextlib.contextmanager
def daphne_with(folder, *options):
    """`daphne OPTIONS config.asgi:application` on a free port, stopped when the block ends."""
    server = Server(folder)
    try:
        address = ("-b", "127.0.0.1", "-p", str(server.port))
        server.start("-m", "daphne", *options, *address, "config.asgi:application")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def short_lived_daphne(tmp_path_factory):
    """`daphne --websocket_timeout 2`: every socket is closed 2 s after it opened."""
    options = ("--websocket_timeout", "2")
    with daphne_with(tmp_path_factory.mktemp("timeout"), *options) as server:
        yield server


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


@pytest.fixture(scope="module")
def impatient_daphne(tmp_path_factory):
    """`daphne --ping-interval 1 --ping-timeout 2`: quiet sockets pinged, silent ones dropped."""
    options = ("--ping-interval", "1", "--ping-timeout", "2")
    with daphne_with(tmp_path_factory.mktemp("pings"), *options) as server:
        yield server


def silent_client(server, path):
    """A TCP socket that makes a WebSocket handshake by hand, then never answers anything."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nOrigin: {server.url}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return sock


def read_until_closed(sock):
    """Everything the server sends until it ends the connection (closed, or reset)."""
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_daphne_drops_a_client_that_never_answers_its_ping(impatient_daphne):
    """A quiet socket gets a ping; with no pong within --ping-timeout, Daphne drops it."""
    with silent_client(impatient_daphne, "/ws/echo/") as sock:
        received = read_until_closed(sock)
    head, _, frames = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    assert frames[0] & 0x0F == 0x9  # the first frame after the handshake is a ping


def test_client_that_answers_pings_stays_open(impatient_daphne):
    """A real client answers each ping by itself, so its quiet socket outlives --ping-timeout."""
    server = impatient_daphne
    with connect(f"{server.ws_url}/ws/echo/", origin=server.url) as ws:
        with pytest.raises(TimeoutError):
            ws.recv(timeout=5)  # quiet for longer than --ping-interval and --ping-timeout
        ws.send("still here")
        assert ws.recv(timeout=5) == "still here"
