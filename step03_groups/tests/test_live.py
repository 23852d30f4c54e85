"""A real Daphne (manage.py runserver) and real WebSocket clients in one room."""

import json

import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.live

MIB = 1024 * 1024


def join(daphne, room):
    """A real WebSocket client in `room`, sending this server's own Origin."""
    return connect(f"{daphne.ws_url}/ws/chat/{room}/", origin=daphne.url, max_size=None)


def test_live_message_reaches_both_clients(daphne):
    """One client sends; both clients in the room receive the DESIGN frame."""
    with join(daphne, "live") as alice, join(daphne, "live") as bob:
        alice.send(json.dumps({"message": "hi", "username": "ada"}))
        frames = [json.loads(alice.recv(timeout=5)), json.loads(bob.recv(timeout=5))]
    expected = {"type": "message", "room": "live", "username": "ada", "message": "hi"}
    assert frames == [expected, expected]


def test_live_empty_text_frame_gets_an_error_frame(daphne):
    """Daphne passes an empty text frame on as text "", which is not JSON."""
    with join(daphne, "empty") as alice:
        alice.send("")
        assert json.loads(alice.recv(timeout=5))["error"] == "invalid_json"


def test_live_one_mebibyte_message_is_refused_as_too_long(daphne):
    """A frame just under Daphne's 1 MiB limit reaches the consumer, which refuses it."""
    with join(daphne, "big") as alice:
        alice.send(json.dumps({"message": "x" * (MIB - 100)}))
        assert json.loads(alice.recv(timeout=10))["error"] == "message_too_long"


def test_live_frame_over_one_mebibyte_drops_the_connection(daphne):
    """One byte over 1 MiB and Daphne drops the connection without a close frame (1006)."""
    with join(daphne, "huge") as alice:
        alice.send("x" * (MIB + 1))
        with pytest.raises(ConnectionClosedError):
            alice.recv(timeout=10)
    assert alice.close_code == 1006


@pytest.mark.parametrize(
    "path, origin",
    [
        pytest.param("/ws/chat/caf%C3%A9/", "own", id="accented-room"),
        pytest.param("/ws/chat/lobby/", "http://evil.example", id="foreign-origin"),
        pytest.param("/ws/chat/lobby/", "http://127.0.0.1:1", id="another-port"),
        pytest.param("/ws/chat/lobby/", None, id="no-origin"),
        pytest.param("/ws/echo/", "own", id="unknown-path"),
    ],
)
def test_live_refused_handshake_is_a_403(daphne, path, origin):
    """Daphne answers a refused handshake with HTTP 403 Forbidden."""
    origin = daphne.url if origin == "own" else origin
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{daphne.ws_url}{path}", origin=origin)
    assert refused.value.response.status_code == 403


def test_live_bad_input_and_refusals_leave_no_traceback_in_the_log(daphne):
    """Bad frames and refused handshakes are answered; the server log shows no traceback."""
    with join(daphne, "noisy") as alice:
        for frame in ["not json", "[1]", "[" * 5000, '{"message": 1}', b"\x00\xff"]:
            alice.send(frame)
            alice.recv(timeout=5)
    for path, origin in [("/ws/chat/a.b/", daphne.url), ("/ws/chat/lobby/", None)]:
        with pytest.raises(InvalidStatus):
            connect(f"{daphne.ws_url}{path}", origin=origin)
    assert "Traceback" not in daphne.log()
