"""Two real server processes sharing Redis and one database: messages cross between them.

Each test runs twice, once per layer (the two_servers fixture is parametrised): A is the
first process, B the second. ada's client talks to A, grace's to B, as a load balancer might
have placed them.
"""

import json
import re
import uuid
from urllib.request import Request, urlopen

import pytest
from websockets.exceptions import ConnectionClosed

from tests.helpers import DEMO_PASSWORDS, live_socket, log_in_over_http, log_out_over_http

pytestmark = pytest.mark.live

# One room per direction: on the Pub/Sub layer a message can still be on its way to a process
# when the next test's socket joins the same room there, and would arrive on that socket.
ROOM_A_TO_B = "/ws/chat/a-to-b/"
ROOM_B_TO_A = "/ws/chat/b-to-a/"
INBOX = "/ws/inbox/"


@pytest.fixture(scope="session")
def cookies(two_servers):
    """Session cookies of the demo users: ada logged in on A, grace on B."""
    a, b = two_servers
    return {
        "ada": log_in_over_http(a, "ada", DEMO_PASSWORDS["ada"]),
        "grace": log_in_over_http(b, "grace", DEMO_PASSWORDS["grace"]),
    }


def html(server, path, cookie=None):
    """The HTML a server answers for GET path (with a session cookie, if given)."""
    request = Request(f"{server.url}{path}", headers={"Cookie": cookie} if cookie else {})
    with urlopen(request, timeout=10) as response:
        return response.read().decode()


def unique(text):
    """The text with a random tail, so that a test finds its own message and no earlier one."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def test_each_process_shows_its_own_label(two_servers):
    """A's pages say they come from A, B's from B (PROCESS_LABEL of each process)."""
    labels = [
        re.search(r'<code id="process-label">([^<]*)</code>', html(server, "/"))[1]
        for server in two_servers
    ]
    assert labels == [server.label for server in two_servers]


def test_room_message_crosses_from_a_to_b(two_servers, cookies):
    """ada on A sends into a room; grace, in the same room on B, gets the message."""
    a, b = two_servers
    with (
        live_socket(a, ROOM_A_TO_B, cookies["ada"]) as ada,
        live_socket(b, ROOM_A_TO_B, cookies["grace"]) as grace,
    ):
        ada.send(json.dumps({"message": "from A"}))
        frame = json.loads(grace.recv(timeout=5))
    assert frame == {"type": "message", "room": "a-to-b", "username": "ada", "message": "from A"}


def test_room_message_crosses_from_b_to_a(two_servers, cookies):
    """grace on B sends into the room; ada, on A, gets the message."""
    a, b = two_servers
    with (
        live_socket(a, ROOM_B_TO_A, cookies["ada"]) as ada,
        live_socket(b, ROOM_B_TO_A, cookies["grace"]) as grace,
    ):
        grace.send(json.dumps({"message": "from B"}))
        frame = json.loads(ada.recv(timeout=5))
    assert frame == {
        "type": "message",
        "room": "b-to-a",
        "username": "grace",
        "message": "from B",
    }


def test_private_message_crosses_to_the_recipient(two_servers, cookies):
    """ada's inbox on A sends to grace; grace's inbox on B gets the "private" frame."""
    a, b = two_servers
    text = unique("A to B")
    with (
        live_socket(a, INBOX, cookies["ada"]) as ada,
        live_socket(b, INBOX, cookies["grace"]) as grace,
    ):
        ada.send(json.dumps({"to": "grace", "message": text}))
        frame = json.loads(grace.recv(timeout=5))
    assert frame["type"] == "private"
    assert frame["from"] == "ada"
    assert frame["to"] == "grace"
    assert frame["message"] == text


def test_private_message_reaches_the_senders_tab_on_the_other_process(two_servers, cookies):
    """ada's second tab, served by B, gets what she sent from her tab on A."""
    a, b = two_servers
    text = unique("my other tab")
    with (
        live_socket(a, INBOX, cookies["ada"]) as ada_on_a,
        live_socket(b, INBOX, cookies["ada"]) as ada_on_b,
    ):
        ada_on_a.send(json.dumps({"to": "grace", "message": text}))
        frame = json.loads(ada_on_b.recv(timeout=5))
    assert frame["from"] == "ada"
    assert frame["message"] == text


def test_session_made_on_one_process_is_valid_on_the_other(two_servers, cookies):
    """ada logged in on A; B reads the same session table, so B's pages know her too."""
    _, b = two_servers
    assert '<strong id="current-user">ada</strong>' in html(b, "/inbox/", cookies["ada"])


def test_history_on_one_process_shows_a_message_sent_through_the_other(two_servers, cookies):
    """A saves the message in the shared database; grace's inbox page, from B, lists it."""
    a, b = two_servers
    text = unique("saved by A")
    with live_socket(a, INBOX, cookies["ada"]) as ada:
        ada.send(json.dumps({"to": "grace", "message": text}))
        json.loads(ada.recv(timeout=5))  # saved before it is delivered
    assert f"ada → grace: {text}" in html(b, "/inbox/", cookies["grace"])


@pytest.mark.parametrize("two_servers", ["core"], indirect=True)
def test_idle_socket_still_gets_messages_after_7_seconds(two_servers, cookies):
    """After 7 s with nothing sent, longer than redis-py's 5 s read timeout, messages still come."""
    a, b = two_servers
    with (
        live_socket(a, "/ws/chat/idle/", cookies["ada"]) as ada,
        live_socket(b, "/ws/chat/idle/", cookies["grace"]) as grace,
    ):
        # A real idle period, on purpose: the trap only springs when nothing arrives for 5 s.
        # With redis-py's default read timeout, both sockets would be closed here (with 4503,
        # as for a lost Redis), and recv would raise ConnectionClosed instead of TimeoutError.
        with pytest.raises(TimeoutError):
            ada.recv(timeout=7)
        grace.send(json.dumps({"message": "still there?"}))
        frame = json.loads(ada.recv(timeout=5))
    assert frame["message"] == "still there?"


@pytest.mark.browser
@pytest.mark.parametrize("two_servers", ["core"], indirect=True)
def test_page_on_b_shows_live_what_a_page_on_a_sent(two_servers, page, other_page):
    """ada types into her inbox page on A; grace's inbox page on B shows it, as text."""
    a, b = two_servers
    text = unique("<b>across</b> two processes")
    ada, grace = page, other_page
    for browser_page, server, username in [(ada, a, "ada"), (grace, b, "grace")]:
        browser_page.goto(f"{server.url}/accounts/login/?next=/inbox/")
        browser_page.fill("#id_username", username)
        browser_page.fill("#id_password", DEMO_PASSWORDS[username])
        browser_page.click("button[type=submit]")
        browser_page.wait_for_selector("#status.open")
    ada.fill("#to", "grace")
    ada.fill("#message", text)
    ada.click("#send")
    item = grace.locator("#log li.private", has_text=text)
    item.wait_for()
    assert item.inner_text().endswith(f"ada → grace: {text}")


def test_logout_on_a_closes_the_sessions_socket_on_b(two_servers):
    """A logout served by A closes, with 4401 within 1 s, the session's socket held by B."""
    a, b = two_servers
    cookie = log_in_over_http(a, "ada", DEMO_PASSWORDS["ada"])
    with live_socket(b, INBOX, cookie) as socket:
        log_out_over_http(a, cookie)
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=1)
    assert closed.value.rcvd.code == 4401
