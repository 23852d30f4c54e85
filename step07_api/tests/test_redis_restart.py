"""Redis stops and starts again under two running servers: what clients see, and what recovers.

One scenario, run once for the module, with a redis-server of its own (so the rest of the
suite keeps its Redis): ada on A and grace on B chat in a room; Redis stops; a new handshake
is tried; Redis starts again on the same port (empty: nothing was saved); ada and grace open
new sockets. Each test checks one thing the scenario recorded.
"""

import json
import shutil
from dataclasses import dataclass

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.helpers import DEMO_PASSWORDS, RedisServer, Server, log_in_over_http, unavailable

pytestmark = pytest.mark.live

ROOM = "/ws/chat/outage/"


@dataclass
class Outage:
    """What the clients saw, and what became of the servers."""

    close_codes: list  # of the sockets that were open when Redis stopped
    handshake_while_down: str  # what a new handshake got while Redis was down
    after_restart: list  # the frames new sockets exchanged once Redis was back
    servers_running: list  # whether each server process was still running at the end
    logs: list  # what each server printed


def open_socket(server, cookie):
    """A real WebSocket client in the room, with the page's Origin and a session cookie."""
    return connect(
        f"{server.ws_url}{ROOM}", origin=server.url, additional_headers={"Cookie": cookie}
    )


def close_code(ws):
    """How the server closed this socket: its close code, or a sentence if it did not."""
    try:
        ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else "closed without a close frame"
    except TimeoutError:
        return "still open after 10 s"
    return "got a frame instead"


def try_handshake(server, cookie):
    """Open a socket and close it again; what the server answered, as text."""
    try:
        with open_socket(server, cookie):
            return "accepted"
    except InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"


def exchange(a, b, cookies):
    """New sockets on A and B: ada says one thing, grace another; what each one received."""
    try:
        with open_socket(a, cookies["ada"]) as ada, open_socket(b, cookies["grace"]) as grace:
            ada.send(json.dumps({"message": "back again"}))
            grace_got = json.loads(grace.recv(timeout=5))["message"]
            ada.recv(timeout=5)  # her own message
            grace.send(json.dumps({"message": "welcome back"}))
            ada_got = json.loads(ada.recv(timeout=5))["message"]
    except (InvalidStatus, ConnectionClosed, TimeoutError) as error:
        return [f"{type(error).__name__}: {error}"]
    return [grace_got, ada_got]


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    """Run the scenario once; what it recorded."""
    if not shutil.which("redis-server"):
        unavailable("Stopping and restarting Redis needs redis-server on PATH (see REDIS_HELP)")
    tmp_path = tmp_path_factory.mktemp("outage")
    redis_server = RedisServer(tmp_path)
    a, b = Server(tmp_path), Server(tmp_path)
    try:
        redis_server.start()
        for server in (a, b):
            server.env["REDIS_URL"] = redis_server.url
        a.start()
        b.start(migrate=False)
        a.manage("demo_users")
        cookies = {
            "ada": log_in_over_http(a, "ada", DEMO_PASSWORDS["ada"]),
            "grace": log_in_over_http(b, "grace", DEMO_PASSWORDS["grace"]),
        }
        with open_socket(a, cookies["ada"]) as ada, open_socket(b, cookies["grace"]) as grace:
            ada.send(json.dumps({"message": "before"}))
            grace.recv(timeout=5)
            ada.recv(timeout=5)
            redis_server.stop()
            close_codes = [close_code(ada), close_code(grace)]
        handshake_while_down = try_handshake(a, cookies["ada"])
        redis_server.start()
        yield Outage(
            close_codes=close_codes,
            handshake_while_down=handshake_while_down,
            after_restart=exchange(a, b, cookies),
            servers_running=[a.process.poll() is None, b.process.poll() is None],
            logs=[a.log(), b.log()],
        )
    finally:
        a.stop()
        b.stop()
        redis_server.stop()


def test_open_sockets_are_closed_with_4503(outage):
    """Both sockets open when Redis stopped are closed by their servers with 4503 (try later)."""
    assert outage.close_codes == [4503, 4503]


def test_handshake_while_redis_is_down_gets_http_403(outage):
    """A new socket cannot join its room's group while Redis is down: its handshake is refused."""
    assert outage.handshake_while_down == "HTTP 403"


def test_new_sockets_on_both_servers_chat_again_after_redis_restarts(outage):
    """Once Redis is back, new sockets on A and B exchange room messages, at the first try."""
    assert outage.after_restart == ["back again", "welcome back"]


def test_both_servers_keep_running_through_the_outage(outage):
    """Neither server process died: they only needed Redis back."""
    assert outage.servers_running == [True, True]


def test_each_server_logs_the_lost_connection(outage):
    """Each server's log shows the outage in a warning line (test_redis_loss counts them)."""
    assert all("WARNING accounts.consumers: Redis is unreachable" in log for log in outage.logs)
