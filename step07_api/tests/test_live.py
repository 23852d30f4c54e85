"""A real Daphne (manage.py runserver) with the demo users, and real WebSocket clients."""

import json

import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

from tests.helpers import DEMO_PASSWORDS, log_in_over_http, private_frame

pytestmark = pytest.mark.live

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def daphne(demo_daphne):
    """This module's server: a real Daphne whose database holds the demo users."""
    return demo_daphne


@pytest.fixture(scope="module")
def cookie(daphne):
    """The Cookie header of each demo user's session, logged in through the login form."""
    return {name: log_in_over_http(daphne, name, pw) for name, pw in DEMO_PASSWORDS.items()}


def join(daphne, room, cookie):
    """A real WebSocket client in `room`, sending this server's own Origin and a session."""
    return connect(
        f"{daphne.ws_url}/ws/chat/{room}/",
        origin=daphne.url,
        additional_headers={"Cookie": cookie},
        max_size=None,
    )


def test_live_message_reaches_both_clients(daphne, cookie):
    """ada sends; ada and grace, in the room, both receive the DESIGN frame signed "ada"."""
    with join(daphne, "live", cookie["ada"]) as ada, join(daphne, "live", cookie["grace"]) as grace:
        ada.send(json.dumps({"message": "hi"}))
        frames = [json.loads(ada.recv(timeout=5)), json.loads(grace.recv(timeout=5))]
    expected = {"type": "message", "room": "live", "username": "ada", "message": "hi"}
    assert frames == [expected, expected]


def test_live_grace_cannot_sign_as_ada(daphne, cookie):
    """grace's message, claiming to be from ada, reaches ada signed "grace"."""
    with join(daphne, "live", cookie["ada"]) as ada, join(daphne, "live", cookie["grace"]) as grace:
        grace.send(json.dumps({"message": "I am ada", "username": "ada"}))
        assert json.loads(ada.recv(timeout=5))["username"] == "grace"


def test_live_empty_text_frame_gets_an_error_frame(daphne, cookie):
    """Daphne passes an empty text frame on as text "", which is not JSON."""
    with join(daphne, "empty", cookie["ada"]) as ada:
        ada.send("")
        assert json.loads(ada.recv(timeout=5))["error"] == "invalid_json"


def test_live_one_mebibyte_message_is_refused_as_too_long(daphne, cookie):
    """A frame just under Daphne's 1 MiB limit reaches the consumer, which refuses it."""
    with join(daphne, "big", cookie["ada"]) as ada:
        ada.send(json.dumps({"message": "x" * (MIB - 100)}))
        assert json.loads(ada.recv(timeout=10))["error"] == "message_too_long"


def test_live_frame_over_one_mebibyte_drops_the_connection(daphne, cookie):
    """One byte over 1 MiB and Daphne drops the connection without a close frame (1006)."""
    with join(daphne, "huge", cookie["ada"]) as ada:
        ada.send("x" * (MIB + 1))
        with pytest.raises(ConnectionClosedError):
            ada.recv(timeout=10)
    assert ada.close_code == 1006


REFUSED_HANDSHAKES = [
    pytest.param("/ws/chat/lobby/", "own", None, id="anonymous"),
    pytest.param("/ws/chat/lobby/", "own", "sessionid=not-a-session", id="unknown-session"),
    pytest.param("/ws/chat/caf%C3%A9/", "own", "ada", id="accented-room"),
    pytest.param("/ws/chat/lobby/", "http://evil.example", "ada", id="foreign-origin"),
    pytest.param("/ws/chat/lobby/", "http://127.0.0.1:1", "ada", id="another-port"),
    pytest.param("/ws/chat/lobby/", None, "ada", id="no-origin"),
    pytest.param("/ws/echo/", "own", "ada", id="unknown-path"),
    pytest.param("/ws/inbox/", "own", None, id="anonymous-inbox"),
    pytest.param("/ws/inbox/", "http://evil.example", "ada", id="foreign-origin-inbox"),
]


def handshake(daphne, cookies, path, origin, user):
    """Try a handshake; origin "own" is the server's, user a demo user, a raw cookie or None."""
    origin = daphne.url if origin == "own" else origin
    cookie = cookies.get(user, user)
    headers = {"Cookie": cookie} if cookie else None
    return connect(f"{daphne.ws_url}{path}", origin=origin, additional_headers=headers)


@pytest.mark.parametrize("path, origin, user", REFUSED_HANDSHAKES)
def test_live_refused_handshake_is_a_403(daphne, cookie, path, origin, user):
    """Daphne answers a refused handshake with HTTP 403 Forbidden."""
    with pytest.raises(InvalidStatus) as refused:
        handshake(daphne, cookie, path, origin, user)
    assert refused.value.response.status_code == 403


def test_live_bad_input_and_refusals_leave_no_traceback_in_the_log(daphne, cookie):
    """Bad frames and refused handshakes are answered; the server log shows no traceback."""
    with join(daphne, "noisy", cookie["ada"]) as ada:
        for frame in ["not json", "[1]", "[" * 5000, '{"message": 1}', b"\x00\xff"]:
            ada.send(frame)
            ada.recv(timeout=5)
    for attempt in REFUSED_HANDSHAKES:
        with pytest.raises(InvalidStatus):
            handshake(daphne, cookie, *attempt.values)
    assert "Traceback" not in daphne.log()


def open_inbox(daphne, cookie):
    """A real WebSocket client on /ws/inbox/, sending this server's own Origin and a session."""
    return connect(
        f"{daphne.ws_url}/ws/inbox/", origin=daphne.url, additional_headers={"Cookie": cookie}
    )


def test_live_private_message_reaches_the_recipient(daphne, cookie):
    """ada's client sends to grace; grace's client gets the DESIGN's "private" frame."""
    with open_inbox(daphne, cookie["ada"]) as ada, open_inbox(daphne, cookie["grace"]) as grace:
        ada.send(json.dumps({"to": "grace", "message": "hello over TCP"}))
        frame = json.loads(grace.recv(timeout=5))
    assert frame == private_frame("ada", "grace", "hello over TCP", frame)


def test_live_private_message_reaches_the_sender(daphne, cookie):
    """ada's own client gets her message back, with the id the server saved it under."""
    with open_inbox(daphne, cookie["ada"]) as ada:
        ada.send(json.dumps({"to": "grace", "message": "echoed to me"}))
        frame = json.loads(ada.recv(timeout=5))
    assert frame["type"] == "private"
    assert frame["message"] == "echoed to me"
    assert isinstance(frame["id"], int), f"the id {frame['id']!r} is not an integer"


def test_live_bad_inbox_frames_leave_no_traceback_in_the_log(daphne, cookie):
    """Bad inbox frames get error frames over TCP too, and the server log shows no traceback."""
    bad_frames = [
        "not json",
        b"\x00\xff",
        '{"to": "nobody", "message": "hi"}',
        '{"to": 1, "message": "hi"}',
        json.dumps({"to": "grace", "message": "x" * 2001}),
        "[" * 5000,
    ]
    with open_inbox(daphne, cookie["ada"]) as ada:
        for frame in bad_frames:
            ada.send(frame)
            assert json.loads(ada.recv(timeout=5))["type"] == "error"
    assert "Traceback" not in daphne.log()
