"""Stopping the server with sockets open: a clean log, and clients that see their sockets close.

Stopping a server ends it, so each way of stopping gets a server of its own: `manage.py
runserver` stopped with Ctrl-C (SIGINT), as a learner stops it, and `daphne
config.asgi:application` stopped with SIGTERM, as a process manager does; each on the core
layer and on the Pub/Sub layer (CHANNEL_LAYER=pubsub), with Redis running throughout.
"""

import contextlib
import signal
import subprocess
from dataclasses import dataclass

import pytest

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
