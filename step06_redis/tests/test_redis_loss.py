"""Losing Redis under a running server, on each layer: 4503 for the sockets, one warning each.

One scenario per layer, run once for the module when a test first asks for it, with a
redis-server and a server of its own (so the rest of the suite keeps its Redis): ada opens two
sockets in a room and one on her inbox; Redis stops; she sends a message on one room socket and
tries a new handshake; Redis starts again on the same port (empty); two new sockets in the room
chat. Each test checks one thing a scenario recorded.
"""

import contextlib
import json
import re
import shutil
from dataclasses import dataclass

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.conftest import DEMO_PASSWORDS, RedisServer, Server, log_in_over_http, unavailable

pytestmark = pytest.mark.live

LAYERS = {"core": None, "pubsub": "pubsub"}  # CHANNEL_LAYER for each
ROOM = "/ws/chat/outage/"
PATHS = [ROOM, "/ws/inbox/"]  # of the sockets that send nothing


@dataclass
class Loss:
    """What ada's clients saw while Redis was away and after, and what the server logged."""

    idle_close_codes: dict  # core layer: how each socket that sent nothing ended, by path
    sender_close_code: object  # how the room socket that sent a message while Redis was down ended
    handshake_while_down: str  # what a new handshake got while Redis was down
    after_restart: list  # what two new sockets in the room received once Redis was back
    ended: list  # the path of each socket closed with 4503 and of the refused handshake, sorted
    warned: list  # the path each WARNING line of the log names, sorted
    log: str  # everything the server printed


def open_socket(server, path, cookie):
    """A real WebSocket client on PATH, with the page's Origin and ada's session."""
    return connect(
        f"{server.ws_url}{path}", origin=server.url, additional_headers={"Cookie": cookie}
    )


def close_code(ws):
    """How the server ended this socket: its close code, 1006 if it sent none, or "still open"."""
    try:
        while True:
            ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006
    except TimeoutError:
        return "still open"


def send_while_down(ws):
    """Send a room message; how the server ended the socket then (maybe before it was sent)."""
    with contextlib.suppress(ConnectionClosed):
        ws.send(json.dumps({"message": "is anyone there?"}))
    return close_code(ws)


def try_handshake(server, cookie):
    """Open a socket in the room and close it again; what the server answered, as text."""
    try:
        with open_socket(server, ROOM, cookie):
            return "accepted"
    except InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"


def chat(server, cookie):
    """Two new sockets in the room: one says something; what each of them received."""
    with open_socket(server, ROOM, cookie) as one, open_socket(server, ROOM, cookie) as other:
        one.send(json.dumps({"message": "back again"}))
        return [json.loads(ws.recv(timeout=5))["message"] for ws in (one, other)]


def lose_redis(tmp_path, layer):
    """Run the scenario on one layer; what it recorded."""
    redis_server = RedisServer(tmp_path)
    server = Server(tmp_path, LAYERS[layer])
    try:
        redis_server.start()
        server.env["REDIS_URL"] = redis_server.url
        server.start()
        server.manage("demo_users")
        cookie = log_in_over_http(server, "ada", DEMO_PASSWORDS["ada"])
        with contextlib.ExitStack() as stack:
            sender = stack.enter_context(open_socket(server, ROOM, cookie))
            idle = {path: stack.enter_context(open_socket(server, path, cookie)) for path in PATHS}
            redis_server.stop()
            sender_close_code = send_while_down(sender)
            idle_close_codes = {}
            # The Pub/Sub layer's receive() waits through an outage: its idle sockets stay open.
            if layer == "core":
                idle_close_codes = {path: close_code(ws) for path, ws in idle.items()}
            handshake_while_down = try_handshake(server, cookie)
            redis_server.start()
            after_restart = chat(server, cookie)
        log = server.log()
    finally:
        server.stop()
        redis_server.stop()
    closed = [(ROOM, sender_close_code), *idle_close_codes.items()]
    ended = [path for path, code in closed if code == 4503]
    if handshake_while_down != "accepted":
        ended.append(ROOM)
    return Loss(
        idle_close_codes=idle_close_codes,
        sender_close_code=sender_close_code,
        handshake_while_down=handshake_while_down,
        after_restart=after_restart,
        ended=sorted(ended),
        warned=sorted(re.findall(r"^WARNING .*? (/ws/\S+):", log, flags=re.MULTILINE)),
        log=log,
    )


@pytest.fixture(scope="module")
def losses(tmp_path_factory):
    """A function: the scenario's record for a layer, run the first time a test asks for it."""
    if not shutil.which("redis-server"):
        unavailable("Stopping and restarting Redis needs redis-server on PATH (see REDIS_HELP)")
    recorded = {}

    def loss(layer):
        if layer not in recorded:
            recorded[layer] = lose_redis(tmp_path_factory.mktemp(f"loss-{layer}"), layer)
        return recorded[layer]

    return loss


def test_idle_sockets_are_closed_with_4503_on_the_core_layer(losses):
    """On the core layer, every open socket is closed with 4503 as soon as Redis stops."""
    assert losses("core").idle_close_codes == {path: 4503 for path in PATHS}


@pytest.mark.parametrize("layer", LAYERS)
def test_socket_that_sends_while_redis_is_down_is_closed_with_4503(losses, layer):
    """A socket that sends a room message while Redis is down is closed with 4503."""
    assert losses(layer).sender_close_code == 4503


@pytest.mark.parametrize("layer", LAYERS)
def test_handshake_while_redis_is_down_gets_http_403(losses, layer):
    """A new socket cannot join its groups while Redis is down: its handshake is refused."""
    assert losses(layer).handshake_while_down == "HTTP 403"


@pytest.mark.parametrize("layer", LAYERS)
def test_losing_redis_leaves_no_traceback_in_the_log(losses, layer):
    """The outage shows in the server's log without a single traceback."""
    assert "Traceback" not in losses(layer).log


@pytest.mark.parametrize("layer", LAYERS)
def test_one_warning_line_for_each_socket_closed(losses, layer):
    """Each socket closed for the outage, and the refused handshake, has one WARNING line."""
    loss = losses(layer)
    assert loss.warned == loss.ended


@pytest.mark.parametrize("layer", LAYERS)
def test_new_sockets_chat_again_once_redis_is_back(losses, layer):
    """Once Redis is back, two new sockets in the room exchange a message at the first try."""
    assert losses(layer).after_restart == ["back again", "back again"]
