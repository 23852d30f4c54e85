"""A real Daphne: logging out over HTTP closes that session's open socket with 4401."""

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.helpers import DEMO_PASSWORDS, log_in_over_http, log_out_over_http

pytestmark = pytest.mark.live


def open_socket(server, cookie):
    """A real WebSocket client in a room, with this server's Origin and a session cookie."""
    return connect(
        f"{server.ws_url}/ws/chat/sessions/",
        origin=server.url,
        additional_headers={"Cookie": cookie},
    )


def close_code(socket):
    """The close code the server sends within 1 s, or None if the socket stays open."""
    try:
        socket.recv(timeout=1)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None
    return None


def test_live_logout_closes_the_sessions_socket_with_4401(demo_daphne):
    """A logout through the form closes the socket opened with that session, with 4401, in 1 s."""
    cookie = log_in_over_http(demo_daphne, "ada", DEMO_PASSWORDS["ada"])
    with open_socket(demo_daphne, cookie) as socket:
        log_out_over_http(demo_daphne, cookie)
        assert close_code(socket) == 4401


def test_live_logout_leaves_another_session_of_the_user_open(demo_daphne):
    """ada's socket from another login (another browser) stays open after one session logs out."""
    leaving = log_in_over_http(demo_daphne, "ada", DEMO_PASSWORDS["ada"])
    staying = log_in_over_http(demo_daphne, "ada", DEMO_PASSWORDS["ada"])
    with open_socket(demo_daphne, staying) as socket:
        log_out_over_http(demo_daphne, leaving)
        assert close_code(socket) is None
