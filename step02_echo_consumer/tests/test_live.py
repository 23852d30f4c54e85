"""A real Daphne (manage.py runserver) and a real WebSocket client."""

import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.live

MIB = 1024 * 1024


def test_live_echo_of_text_and_binary(daphne):
    """Over a real TCP connection, text and binary frames come back unchanged."""
    with connect(f"{daphne.ws_url}/ws/echo/", origin=daphne.url) as ws:
        ws.send("hello, café")
        assert ws.recv(timeout=5) == "hello, café"
        ws.send(b"\x00\xff")
        assert ws.recv(timeout=5) == b"\x00\xff"


def test_live_sync_consumer_echoes(daphne):
    """The synchronous consumer echoes over a real connection too."""
    with connect(f"{daphne.ws_url}/ws/echo/sync/", origin=daphne.url) as ws:
        ws.send("sync")
        assert ws.recv(timeout=5) == "sync"


def test_live_unknown_path_is_refused_with_403(daphne):
    """Daphne answers a refused handshake with HTTP 403."""
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{daphne.ws_url}/ws/nowhere/", origin=daphne.url)
    assert refused.value.response.status_code == 403


def test_live_origin_on_another_port_is_refused_with_403(daphne):
    """A page on another port of this host (here :1) is another origin: HTTP 403."""
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{daphne.ws_url}/ws/echo/", origin="http://127.0.0.1:1")
    assert refused.value.response.status_code == 403


def test_live_refusals_leave_no_traceback_in_the_log(daphne):
    """Refused handshakes (unknown path, foreign origin, another port, no origin): no traceback."""
    attempts = [
        (f"{daphne.ws_url}/ws/nowhere/", daphne.url),
        (f"{daphne.ws_url}/ws/echo/", "http://evil.example"),
        (f"{daphne.ws_url}/ws/echo/", "http://127.0.0.1:1"),
        (f"{daphne.ws_url}/ws/echo/", None),
    ]
    for url, origin in attempts:
        with pytest.raises(InvalidStatus):
            connect(url, origin=origin)
    log = daphne.log()
    assert "REJECT" in log
    assert "Traceback" not in log


def test_live_empty_text_frame_gets_no_echo(daphne):
    """Daphne never sends an empty text frame, so echoing "" sends nothing at all."""
    with connect(f"{daphne.ws_url}/ws/echo/", origin=daphne.url) as ws:
        ws.send("")
        ws.send("after")
        assert ws.recv(timeout=5) == "after"


def test_live_one_mebibyte_message_comes_back(daphne):
    """A message of exactly 1 MiB, Daphne's limit, is echoed whole."""
    with connect(f"{daphne.ws_url}/ws/echo/", origin=daphne.url, max_size=None) as ws:
        ws.send("x" * MIB)
        assert len(ws.recv(timeout=10)) == MIB


def test_live_message_over_one_mebibyte_drops_the_connection(daphne):
    """One byte over 1 MiB and Daphne drops the connection without a close frame (1006)."""
    with connect(f"{daphne.ws_url}/ws/echo/", origin=daphne.url, max_size=None) as ws:
        ws.send("x" * (MIB + 1))
        with pytest.raises(ConnectionClosedError):
            ws.recv(timeout=10)
        assert ws.close_code == 1006
