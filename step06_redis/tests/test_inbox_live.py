"""A real Daphne with the demo users: private messages between real WebSocket clients."""

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import DEMO_PASSWORDS, log_in_over_http

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def inbox_cookies(demo_daphne):
    """The Cookie header of a session of each demo user, logged in through the login form."""
    return {
        username: log_in_over_http(demo_daphne, username, password)
        for username, password in DEMO_PASSWORDS.items()
    }


def open_inbox(server, cookie=None):
    """A real WebSocket client on /ws/inbox/, sending the page's Origin and the session cookie."""
    return connect(
        f"{server.ws_url}/ws/inbox/",
        origin=server.url,
        additional_headers={"Cookie": cookie} if cookie else None,
    )


def test_live_private_message_reaches_the_recipient(demo_daphne, inbox_cookies):
    """ada's client sends to grace; grace's client gets the DESIGN's "private" frame."""
    with (
        open_inbox(demo_daphne, inbox_cookies["ada"]) as ada,
        open_inbox(demo_daphne, inbox_cookies["grace"]) as grace,
    ):
        ada.send(json.dumps({"to": "grace", "message": "hello over TCP"}))
        frame = json.loads(grace.recv(timeout=5))
    assert frame == {
        "type": "private",
        "id": frame["id"],
        "from": "ada",
        "to": "grace",
        "message": "hello over TCP",
        "sent_at": frame["sent_at"],
    }


def test_live_private_message_reaches_the_sender(demo_daphne, inbox_cookies):
    """ada's own client gets her message back, with the id the server saved it under."""
    with open_inbox(demo_daphne, inbox_cookies["ada"]) as ada:
        ada.send(json.dumps({"to": "grace", "message": "echoed to me"}))
        frame = json.loads(ada.recv(timeout=5))
    assert (frame["type"], frame["message"], type(frame["id"])) == ("private", "echoed to me", int)


def test_live_anonymous_inbox_is_refused_with_403(demo_daphne):
    """Daphne answers an inbox handshake without a session with HTTP 403."""
    with pytest.raises(InvalidStatus) as refused:
        open_inbox(demo_daphne)
    assert refused.value.response.status_code == 403


def test_live_bad_input_leaves_no_traceback_in_the_log(demo_daphne, inbox_cookies):
    """Bad frames get error frames over TCP too, and the server log shows no traceback."""
    bad_frames = [
        "not json",
        b"\x00\xff",
        '{"to": "nobody", "message": "hi"}',
        '{"to": 1, "message": "hi"}',
        json.dumps({"to": "grace", "message": "x" * 2001}),
        "[" * 5000,
    ]
    with open_inbox(demo_daphne, inbox_cookies["ada"]) as ada:
        for frame in bad_frames:
            ada.send(frame)
            assert json.loads(ada.recv(timeout=5))["type"] == "error"
    assert "Traceback" not in demo_daphne.log()
