"""A real Daphne with the demo users, and real WebSocket clients logged in over HTTP."""

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import DEMO_PASSWORDS, log_in_over_http

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def cookies(demo_daphne):
    """The Cookie header of a session of each demo user, logged in through the login form."""
    return {
        username: log_in_over_http(demo_daphne, username, password)
        for username, password in DEMO_PASSWORDS.items()
    }


def open_room(server, cookie=None, room="lobby", origin=None):
    """Open a real WebSocket to a room, sending the page's Origin and the session cookie."""
    return connect(
        f"{server.ws_url}/ws/chat/{room}/",
        origin=origin or server.url,
        additional_headers={"Cookie": cookie} if cookie else None,
    )


@pytest.mark.parametrize("sender, receiver", [("ada", "grace"), ("grace", "ada")])
def test_live_each_user_sees_the_others_message(demo_daphne, cookies, sender, receiver):
    """Two logged-in clients in one room: each gets the other's message, signed by the sender."""
    with (
        open_room(demo_daphne, cookies[sender]) as sending,
        open_room(demo_daphne, cookies[receiver]) as receiving,
    ):
        sending.send(json.dumps({"message": f"hello from {sender}", "username": receiver}))
        assert json.loads(receiving.recv(timeout=5)) == {
            "type": "message",
            "room": "lobby",
            "username": sender,
            "message": f"hello from {sender}",
        }


def test_live_bad_frame_gets_an_error_frame(demo_daphne, cookies):
    """Over a real connection too, bad input gets an error frame and the socket stays open."""
    with open_room(demo_daphne, cookies["ada"]) as ws:
        ws.send("not json")
        assert json.loads(ws.recv(timeout=5))["error"] == "invalid_json"


def test_live_anonymous_handshake_is_refused_with_403(demo_daphne):
    """Daphne answers a handshake without a session with HTTP 403."""
    with pytest.raises(InvalidStatus) as refused:
        open_room(demo_daphne)
    assert refused.value.response.status_code == 403


def test_live_foreign_origin_is_refused_with_403_despite_the_cookie(demo_daphne, cookies):
    """A handshake from another site's page is refused even with a valid session cookie."""
    with pytest.raises(InvalidStatus) as refused:
        open_room(demo_daphne, cookies["ada"], origin="http://evil.example")
    assert refused.value.response.status_code == 403


def test_live_refusals_leave_no_traceback_in_the_log(demo_daphne, cookies):
    """Refused handshakes (anonymous, bad cookie, foreign origin, bad room) log no traceback."""
    attempts = [
        {},
        {"cookie": "sessionid=not-a-session"},
        {"cookie": cookies["ada"], "origin": "http://evil.example"},
        {"cookie": cookies["ada"], "room": "caf%C3%A9"},
    ]
    for attempt in attempts:
        with pytest.raises(InvalidStatus):
            open_room(demo_daphne, **attempt)
    log = demo_daphne.log()
    assert "WebSocket REJECT" in log
    assert "Traceback" not in log
