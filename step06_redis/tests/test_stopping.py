"""Stopping the server with sockets open: a clean log, and clients that see their sockets close.

Stopping a server ends it, so each way of stopping gets a server of its own: `manage.py
runserver` stopped with Ctrl-C (SIGINT), as a learner stops it, and `daphne
config.asgi:application` stopped with SIGTERM, as a process manager does; each on the core
layer and on the Pub/Sub layer (CHANNEL_LAYER=pubsub), with Redis running throughout. Last,
what a stop leaves in Redis's groups on the core layer.
"""

import contextlib
import signal
import subprocess
import time
from dataclasses import dataclass

import pytest
import redis

from tests.helpers import DEMO_PASSWORDS, Server, close_code, live_socket, log_in_over_http

pytestmark = pytest.mark.live

PATHS = ["/ws/chat/lobby/", "/ws/inbox/"]
# How each server is started (on its own {port}), and the signal that stops it.
STOPS = {
    "runserver, Ctrl-C": ("manage.py runserver --noreload 127.0.0.1:{port}", signal.SIGINT),
    "daphne, SIGTERM": ("-m daphne -b 127.0.0.1 -p {port} config.asgi:application", signal.SIGTERM),
}
LAYERS = {"core": None, "pubsub": "pubsub"}  # CHANNEL_LAYER for each


@dataclass
class Stopped:
    """What stopping a server with sockets open left behind."""

    close_codes: list  # how each socket ended, as a browser reports it
    exited: bool  # whether the server process ended within 15 s
    log: str  # everything the server printed


@pytest.fixture(
    scope="module", params=[(stop, layer) for stop in STOPS for layer in LAYERS], ids=", ".join
)
def stopped(request, tmp_path_factory, redis_url):
    """Start a server, open ada's socket on each path, stop the server; what that left behind."""
    stop, layer = request.param
    command, signum = STOPS[stop]
    server = Server(tmp_path_factory.mktemp("stopping"), channel_layer=LAYERS[layer])
    try:
        server.start(*command.format(port=server.port).split())
        server.manage("demo_users")
        cookie = log_in_over_http(server, "ada", DEMO_PASSWORDS["ada"])
        with contextlib.ExitStack() as stack:
            sockets = [stack.enter_context(live_socket(server, path, cookie)) for path in PATHS]
            server.process.send_signal(signum)
            close_codes = [close_code(ws) for ws in sockets]
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=15)
        yield Stopped(close_codes, server.process.poll() is not None, server.log())
    finally:
        server.stop()


def test_stopping_leaves_no_traceback_in_the_log(stopped):
    """Stopping the server with sockets open logs no traceback."""
    assert "Traceback" not in stopped.log


def test_clients_see_their_sockets_close_with_1006(stopped):
    """Daphne drops every socket without a close frame: clients see 1006, and pages reconnect."""
    assert stopped.close_codes == [1006] * len(PATHS)


def test_the_server_process_ends(stopped):
    """The server process exits within 15 s."""
    assert stopped.exited


# What a stop leaves in Redis: the core layer keeps a group's members in Redis, where they
# outlive the process. The consumers leave their groups when cancelled (accounts/consumers.py),
# but Daphne, stopping, waits for one of them only: asyncio.gather() in its
# kill_all_applications() is done once the first cancelled task has ended, and the process exits.

ROOM_SOCKETS = 10
ROOM_GROUP_KEY = "asgi:group:chat.room.lobby"  # the core layer's sorted set for lobby's group


@pytest.fixture(scope="module")
def members_before_and_after_a_stop(tmp_path_factory, redis_url):
    """Members of lobby's group in Redis with ROOM_SOCKETS open, then after a SIGTERM to Daphne.

    The stop comes 1.5 s after the handshakes: Daphne cancels no consumer at all when stopped
    within its once-a-second check of a new connection (note 09, "Stopping a server").
    """
    server = Server(tmp_path_factory.mktemp("stopping"))
    client = redis.Redis.from_url(redis_url)
    try:
        server.start(*STOPS["daphne, SIGTERM"][0].format(port=server.port).split())
        server.manage("demo_users")
        cookie = log_in_over_http(server, "ada", DEMO_PASSWORDS["ada"])
        client.delete(ROOM_GROUP_KEY)
        with contextlib.ExitStack() as stack:
            for _ in range(ROOM_SOCKETS):
                stack.enter_context(live_socket(server, "/ws/chat/lobby/", cookie))
            time.sleep(1.5)
            before = client.zcard(ROOM_GROUP_KEY)
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=15)
        return before, client.zcard(ROOM_GROUP_KEY)
    finally:
        client.close()
        server.stop()


def test_a_stop_leaves_members_in_redis(members_before_and_after_a_stop):
    """Of 10 room sockets' members, Daphne's stop lets at most a few leave: the rest stay."""
    before, after = members_before_and_after_a_stop
    assert before == ROOM_SOCKETS, "the sockets were not all in the room's group"
    assert after >= ROOM_SOCKETS // 2, f"{before - after} of {before} members left the group"
