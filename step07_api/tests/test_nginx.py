"""deploy/nginx.conf in front of two Daphne processes: two users chat through one address."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

import pytest
from websockets.sync.client import connect

from tests.helpers import (
    DEMO_PASSWORDS,
    STEP_DIR,
    Server,
    free_port,
    log_in_over_http,
    stop_process,
    unavailable,
)

pytestmark = pytest.mark.live

NGINX_HELP = "These tests need nginx: install it (Debian/Ubuntu: sudo apt-get install nginx)"


def nginx_path():
    """nginx on PATH, or Debian's /usr/sbin/nginx (not on a normal user's PATH), or None."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


class Nginx:
    """nginx running deploy/nginx.conf, its ports swapped for the test's, in a folder of its own."""

    def __init__(self, tmp_path, backends, static_root):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.prefix = tmp_path
        config = (STEP_DIR / "deploy" / "nginx.conf").read_text()
        config = config.replace("127.0.0.1:8080", f"127.0.0.1:{self.port}")
        for default, backend in zip(["127.0.0.1:8000", "127.0.0.1:8001"], backends, strict=True):
            config = config.replace(f"server {default};", f"server 127.0.0.1:{backend.port};")
        config = config.replace("alias ../staticfiles/;", f"alias {static_root}/;")
        if os.geteuid() == 0:
            # nginx started as root runs its workers as "nobody", who may not read pytest's
            # private temporary folder: keep them as root (a user that is not root is kept anyway).
            config = "user root;\n" + config
        (tmp_path / "nginx.conf").write_text(config)
        self.process = None

    def start(self):
        """Start nginx in the foreground and wait until it accepts connections."""
        log = open(self.prefix / "nginx.log", "wb")
        self.process = subprocess.Popen(
            [nginx_path(), "-p", str(self.prefix), "-c", "nginx.conf"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.prefix / "nginx.log").read_text())
            try:
                log_in_over_http(self, "ada", DEMO_PASSWORDS["ada"])
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not answer within 10 s")


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory, redis_url):
    """Two `daphne --proxy-headers` processes, one SQLite file and Redis, behind nginx."""
    if nginx_path() is None:
        unavailable(NGINX_HELP)
    tmp_path = tmp_path_factory.mktemp("nginx")
    servers = [Server(tmp_path), Server(tmp_path)]
    static_root = tmp_path / "staticfiles"
    nginx = Nginx(tmp_path, servers, static_root)
    try:
        for number, server in enumerate(servers):
            server.start(
                "-m",
                "daphne",
                "--proxy-headers",
                "--access-log",
                str(tmp_path / f"access-{number}.log"),
                "-b",
                "127.0.0.1",
                "-p",
                str(server.port),
                "config.asgi:application",
                migrate=number == 0,
            )
        servers[0].manage("demo_users")
        servers[0].manage("collectstatic", "--noinput")
        nginx.start()
        yield nginx, servers, tmp_path
    finally:
        stop_process(nginx.process)
        for server in servers:
            server.stop()


def open_socket(nginx, path, cookie):
    """A real WebSocket client through nginx, with nginx's address as the page's Origin."""
    return connect(f"{nginx.ws_url}{path}", origin=nginx.url, additional_headers={"Cookie": cookie})


def sockets_served(tmp_path, number):
    """How many WebSocket connections Daphne number `number` accepted, from its access log."""
    return len(re.findall(r"WSCONNECT ", (tmp_path / f"access-{number}.log").read_text()))


def test_room_and_private_messages_cross_through_nginx(behind_nginx):
    """ada and grace, both through nginx, get each other's room and private messages."""
    nginx, _, _ = behind_nginx
    ada = log_in_over_http(nginx, "ada", DEMO_PASSWORDS["ada"])
    grace = log_in_over_http(nginx, "grace", DEMO_PASSWORDS["grace"])
    with (
        open_socket(nginx, "/ws/chat/proxied/", ada) as ada_room,
        open_socket(nginx, "/ws/chat/proxied/", grace) as grace_room,
        open_socket(nginx, "/ws/inbox/", ada) as ada_inbox,
        open_socket(nginx, "/ws/inbox/", grace) as grace_inbox,
    ):
        ada_room.send(json.dumps({"message": "hello through nginx"}))
        grace_inbox.send(json.dumps({"to": "ada", "message": "a private hello"}))
        room_frame = json.loads(grace_room.recv(timeout=5))
        private_frame = json.loads(ada_inbox.recv(timeout=5))
    assert room_frame["message"] == "hello through nginx"
    assert private_frame["message"] == "a private hello"


def test_nginx_balances_sockets_over_both_processes(behind_nginx):
    """Sockets opened through nginx land on both Daphne processes, not on one."""
    nginx, _, tmp_path = behind_nginx
    cookie = log_in_over_http(nginx, "ada", DEMO_PASSWORDS["ada"])
    before = [sockets_served(tmp_path, number) for number in (0, 1)]
    for _ in range(4):
        with open_socket(nginx, "/ws/chat/balanced/", cookie):
            pass
    after = [sockets_served(tmp_path, number) for number in (0, 1)]
    assert after[0] > before[0], "nginx sent no socket to the first process"
    assert after[1] > before[1], "nginx sent no socket to the second process"


def test_nginx_serves_the_static_files_itself(behind_nginx):
    """/static/chat/socket.js comes from collectstatic's folder, served by nginx, not Daphne."""
    nginx, _, _ = behind_nginx
    with urllib.request.urlopen(f"{nginx.url}/static/chat/socket.js", timeout=10) as response:
        served_by, body = response.headers["Server"], response.read()
    assert served_by.startswith("nginx")
    assert b"function keepOpen" in body
