"""A Redis that stops answering (frozen, not gone): a room send and a form send still finish.

A stopped Redis refuses connections at once. A frozen one (a stuck process, a network that
drops packets) keeps them open and answers nothing, so only a timeout ends a command: the
host's socket_timeout (10 s in config/settings.py), read twice, because redis-py retries a
command once after a timeout. One scenario per layer, both at once, each with a redis-server
and a server of its own: ada opens a room socket; Redis is frozen (SIGSTOP); she sends a room
message, then posts a private message through the form; Redis resumes (SIGCONT). Each test
checks one thing a scenario recorded.
"""

import http.client
import json
import os
import re
import shutil
import signal
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed

from tests.helpers import (
    DEMO_PASSWORDS,
    live_socket,
    log_in_over_http,
    server_on_its_own_redis,
    unavailable,
)

pytestmark = pytest.mark.live

LAYERS = {"core": None, "pubsub": "pubsub"}  # CHANNEL_LAYER for each
ROOM = "/ws/chat/frozen/"
# socket_timeout read twice (the first try and redis-py's one retry), and a margin: 20 s measured.
BOUND = 25
POSTED = "posted while Redis was frozen"


@dataclass
class Freeze:
    """What ada's room socket and her form post met while Redis was frozen."""

    room_frames: list  # the frames the room socket got after sending, before it closed
    room_close_code: object  # how the server ended the room socket
    room_seconds: float  # from the room send to the close
    post_status: int  # what POST /inbox/send/ answered
    post_seconds: float  # how long it took
    posted_shown: int  # how often ada's inbox page shows the posted message, Redis back
    log: str  # everything the server printed


def send_in_room(ws):
    """Send a room message; the frames that came back until the close, its code, the seconds."""
    start, frames = time.monotonic(), []
    ws.send(json.dumps({"message": "is anyone there?"}))
    try:
        while True:
            frames.append(json.loads(ws.recv(timeout=60)))
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else 1006
    except TimeoutError:
        code = "still open after 60 s"
    return frames, code, time.monotonic() - start


def request(server, method, path, cookie, body=None):
    """One HTTP request, redirects not followed; the response's status, headers and text."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Cookie": cookie}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def post_private_message(server, cookie):
    """Post the inbox form as ada (CSRF token included); its status and how long it took."""
    _, headers, _ = request(server, "GET", "/inbox/", cookie)  # sets the csrftoken cookie
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie"):
        jar.load(value)
    csrf = jar[settings.CSRF_COOKIE_NAME].value
    form = {"to": "grace", "message": POSTED, "csrfmiddlewaretoken": csrf}
    cookies = f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf}"
    start = time.monotonic()
    status, _, _ = request(server, "POST", "/inbox/send/", cookies, urllib.parse.urlencode(form))
    return status, time.monotonic() - start


def freeze_redis(tmp_path, layer):
    """Run the scenario on one layer; what it recorded."""
    with server_on_its_own_redis(tmp_path, LAYERS[layer]) as (server, redis_server):
        cookie = log_in_over_http(server, "ada", DEMO_PASSWORDS["ada"])
        with live_socket(server, ROOM, cookie) as room:
            os.kill(redis_server.process.pid, signal.SIGSTOP)
            try:
                # One at a time: the Pub/Sub layer sends one command at a time per process,
                # so sent together, the second would wait for the first (note 09).
                room_frames, room_close_code, room_seconds = send_in_room(room)
                post_status, post_seconds = post_private_message(server, cookie)
            finally:
                os.kill(redis_server.process.pid, signal.SIGCONT)
        _, _, page = request(server, "GET", "/inbox/", cookie)
        log = server.log()
    return Freeze(
        room_frames=room_frames,
        room_close_code=room_close_code,
        room_seconds=room_seconds,
        post_status=post_status,
        post_seconds=post_seconds,
        posted_shown=len(re.findall(re.escape(POSTED), page)),
        log=log,
    )


@pytest.fixture(scope="module")
def freezes(tmp_path_factory):
    """The scenario's record for each layer; the two run at once, each against its own Redis."""
    if not shutil.which("redis-server"):
        unavailable("Freezing Redis needs redis-server on PATH (see REDIS_HELP)")
    folders = [tmp_path_factory.mktemp(f"frozen-{layer}") for layer in LAYERS]
    with ThreadPoolExecutor(len(LAYERS)) as pool:
        return dict(zip(LAYERS, pool.map(freeze_redis, folders, LAYERS), strict=True))


@pytest.fixture(params=list(LAYERS))
def freeze(request, freezes):
    """The scenario's record for one layer: a test that uses it runs once for each layer."""
    return freezes[request.param]


def test_room_send_while_redis_is_frozen_gets_not_sent(freeze):
    """The sender is told its message was not sent (an error frame), on either layer."""
    assert [frame["error"] for frame in freeze.room_frames] == ["not_sent"]


def test_room_socket_is_closed_with_4503_once_the_send_has_failed(freeze):
    """After the error frame, the socket is closed with 4503, and the page reconnects."""
    assert freeze.room_close_code == 4503


def test_room_send_while_redis_is_frozen_ends_within_the_bound(freeze):
    """The send ends within BOUND seconds: it waits on socket_timeout, never for ever."""
    assert freeze.room_seconds < BOUND


def test_form_send_while_redis_is_frozen_redirects(freeze):
    """POST /inbox/send/ answers with its usual redirect: the message is saved."""
    assert freeze.post_status == 302


def test_form_send_while_redis_is_frozen_answers_within_the_bound(freeze):
    """The POST answers within BOUND seconds, while Redis still answers nothing."""
    assert freeze.post_seconds < BOUND


def test_form_send_while_redis_is_frozen_is_saved_once(freeze):
    """Once Redis is back, ada's inbox page shows the posted message, once."""
    assert freeze.posted_shown == 1


def test_frozen_redis_leaves_no_traceback_in_the_log(freeze):
    """Timeouts are reported in lines, never as a traceback."""
    assert "Traceback" not in freeze.log
