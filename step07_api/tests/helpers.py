"""What this step's tests share besides fixtures: where things are, servers, logins over HTTP."""

import contextlib
import http.cookiejar
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

STEP_DIR = Path(__file__).resolve().parent.parent
ORIGIN = "http://127.0.0.1:8000"
# The Host header of a handshake to ORIGIN's server: the origin check compares the two.
HOST = "127.0.0.1:8000"
CHROMIUM_CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
REDIS_HELP = (
    "These tests need Redis: install redis-server (Debian/Ubuntu: sudo apt-get install "
    "redis-server; macOS: brew install redis) and the tests start their own, or start one "
    "(`docker compose up -d redis` in step07_api) and set REDIS_URL=redis://127.0.0.1:6379/0"
)


def unavailable(reason):
    """Skip a test whose tool is missing; fail instead where COURSE_REQUIRE_ALL=1 (CI)."""
    if os.environ.get("COURSE_REQUIRE_ALL") == "1":
        pytest.fail(f"{reason} (COURSE_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(reason)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process):
    """Stop a child process (if started and running), killing it if it is not gone in 10 s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Server:
    """A `manage.py runserver` (Daphne) process on a free port, with its log in a file.

    It uses the tests' Redis (REDIS_URL, set by the redis_url fixture) and says which process it
    is with PROCESS_LABEL "server-<port>". Servers made with the same tmp_path share one SQLite
    file, as two processes of one site do. channel_layer="pubsub" sets CHANNEL_LAYER=pubsub;
    database_url points it at PostgreSQL instead.
    """

    def __init__(self, tmp_path, channel_layer=None, database_url=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.label = f"server-{self.port}"
        self.log_path = tmp_path / f"{self.label}.log"
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DJANGO_DB_PATH": str(tmp_path / "db.sqlite3"),
            "PYTHONUNBUFFERED": "1",
            "PROCESS_LABEL": self.label,
            "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles"),
            # Far above the per-user limits (10 a second, bursts of 20): the live tests send
            # bursts as one user (50 at once) to test other things.
            # tests/test_limits.py starts servers with the real limits.
            "CHAT_RATE_PER_SECOND": "100000",
            "CHAT_RATE_BURST": "100000",
        }
        # Never a learner's own database: test servers write to their temporary SQLite file,
        # or to a PostgreSQL database made for the run (the `postgres` fixture).
        self.env.pop("DATABASE_URL", None)
        if database_url is not None:
            self.env["DATABASE_URL"] = database_url
        if channel_layer is not None:
            self.env["CHANNEL_LAYER"] = channel_layer
        self.process = None

    def manage(self, *args):
        """Run a management command against the server's database."""
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=STEP_DIR,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def manage_output(self, *args):
        """Run a management command against the server's database; what it printed, stripped."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=STEP_DIR,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def start(self, *command, migrate=True):
        """Start the server (`manage.py runserver` unless told otherwise) and wait for it."""
        if migrate:
            self.manage("migrate", "--noinput")
        command = command or ("manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, *command],
                cwd=STEP_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start within 30 s:\n{self.log()}")

    def stop(self):
        """Stop the server, killing it if it does not stop within 10 s."""
        stop_process(self.process)

    def log(self):
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")


def chromium_path():
    """Debian's Chromium, or another Chromium/Chrome on PATH, or CHROMIUM_PATH."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    for name in CHROMIUM_CANDIDATES:
        if found := shutil.which(name):
            return found
    return None


def page_of_its_own(browser, **options):
    """Yield a fresh page in a browser context of its own (its own cookies), then close it."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# Accounts (this step): logged-in sessions for sockets, a live server with the demo users.

DEMO_PASSWORDS = {"ada": "ada-demo-password", "grace": "grace-demo-password"}


@dataclass
class Login:
    """A user logged in through Django's test client, and the headers their browser would send."""

    user: object
    client: Client
    headers: list


def session_headers(session_key):
    """The Cookie header a browser holding this session sends with a WebSocket handshake."""
    return [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())]


def log_in_as(user):
    """Log USER in through a test client of its own, as another browser would (sync code only)."""
    client = Client()
    client.force_login(user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Login(user, client, session_headers(session_key))


def private_frame(sender, recipient, message, frame):
    """The DESIGN's "private" frame for this message, with the id and sent_at FRAME carries."""
    return {
        "type": "private",
        "id": frame["id"],
        "from": sender,
        "to": recipient,
        "message": message,
        "sent_at": frame["sent_at"],
    }


def log_in_over_http(server, username, password):
    """Log in through the login form, as a browser does; return the session's Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = f"{server.url}/accounts/login/"
    opener.open(login_url, timeout=10).close()  # sets the csrftoken cookie
    cookies = {cookie.name: cookie.value for cookie in jar}
    form = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": cookies[settings.CSRF_COOKIE_NAME],
    }
    request = urllib.request.Request(
        login_url, data=urllib.parse.urlencode(form).encode(), headers={"Referer": login_url}
    )
    opener.open(request, timeout=10).close()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if settings.SESSION_COOKIE_NAME not in cookies:
        raise AssertionError(f"logging in as {username} did not set a session cookie")
    return f"{settings.SESSION_COOKIE_NAME}={cookies[settings.SESSION_COOKIE_NAME]}"


def log_out_over_http(server, session_cookie):
    """Log a session out with the logout form's POST (and its CSRF token), as a browser does."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = f"{server.url}/accounts/login/"
    opener.open(login_url, timeout=10).close()  # sets the csrftoken cookie
    csrf = {cookie.name: cookie.value for cookie in jar}[settings.CSRF_COOKIE_NAME]
    request = urllib.request.Request(
        f"{server.url}/accounts/logout/",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode(),
        headers={"Cookie": f"{session_cookie}; {settings.CSRF_COOKIE_NAME}={csrf}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, f"the logout answered {response.status}"


def live_socket(server, path, cookie):
    """A real WebSocket client on PATH, with the server's own Origin and a session cookie."""
    return connect(
        f"{server.ws_url}{path}", origin=server.url, additional_headers={"Cookie": cookie}
    )


def frames_and_close_code(ws):
    """The frames a socket gets until it ends; its close code, 1006 if none, or "still open"."""
    frames = []
    try:
        while True:
            frames.append(json.loads(ws.recv(timeout=10)))
    except ConnectionClosed as closed:
        return frames, closed.rcvd.code if closed.rcvd else 1006
    except TimeoutError:
        return frames, "still open"


def close_code(ws):
    """How the server ended this socket: its close code, 1006 if it sent none, or "still open"."""
    return frames_and_close_code(ws)[1]


# Redis (this step): a redis-server of the tests' own, and what the settings make of a Redis.


def settings_under(**env):
    """The names config/settings.py defines in a process started with these variables set.

    A value of None removes the variable. Django reads settings once per process, so this is
    how one test process sees what CHANNEL_LAYER=pubsub or DATABASE_URL=... make of them.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        return runpy.run_path(str(STEP_DIR / "config" / "settings.py"))


def layers_for(redis_url, channel_layer=None):
    """CHANNEL_LAYERS as the step's settings build it for this Redis and this CHANNEL_LAYER."""
    return settings_under(REDIS_URL=redis_url, CHANNEL_LAYER=channel_layer)["CHANNEL_LAYERS"]


def answers_ping(url):
    """True when a Redis at this URL answers PING within a second."""
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return client.ping()
    except redis.RedisError:
        return False
    finally:
        client.close()


class RedisServer:
    """A redis-server of the tests' own: 127.0.0.1 only, a free port, nothing saved to disk."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.process = None

    def start(self):
        """Start redis-server (on the same port when started again) and wait until it answers."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.tmp_path)]
        with open(self.tmp_path / "redis.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {self.process.returncode}")
            if answers_ping(self.url):
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def stop(self):
        """Stop redis-server, killing it if it does not stop within 10 s."""
        stop_process(self.process)


@contextlib.contextmanager
def server_on_its_own_redis(tmp_path, channel_layer=None):
    """A Server with the demo users on a redis-server of its own: (server, redis_server).

    A test may stop and start that redis-server; both are stopped when the block ends.
    """
    redis_server = RedisServer(tmp_path)
    server = Server(tmp_path, channel_layer)
    try:
        redis_server.start()
        server.env["REDIS_URL"] = redis_server.url
        server.start()
        server.manage("demo_users")
        yield server, redis_server
    finally:
        server.stop()
        redis_server.stop()


@contextlib.contextmanager
def two_servers_sharing(tmp_path, channel_layer=None, **env):
    """Two Servers on one SQLite file and the tests' Redis, with the demo users; stopped after.

    ENV is added to both servers' environment (CHAT_RATE_BURST="20", say).
    """
    servers = [Server(tmp_path, channel_layer), Server(tmp_path, channel_layer)]
    for server in servers:
        server.env.update(env)
    try:
        servers[0].start()
        servers[1].start(migrate=False)  # the same database file, migrated a moment ago
        servers[0].manage("demo_users")
        yield servers
    finally:
        for server in servers:
            server.stop()


# PostgreSQL (this step): a server the tests can reach.

POSTGRES_HELP = (
    "These tests need PostgreSQL: install it (Debian/Ubuntu: sudo apt-get install postgresql, "
    "then sudo -u postgres createuser --superuser $USER; macOS: brew install postgresql), "
    "or set DATABASE_URL to a server whose user may create databases"
)
# The local socket as this user (Debian's "peer" login), then TCP as postgres (trust setups).
LOCAL_POSTGRES = ["postgres:///postgres", "postgres://postgres@127.0.0.1:5432/postgres"]


def reachable_postgres():
    """The URL of a PostgreSQL that answers: DATABASE_URL when set, else a local one, or None."""
    import psycopg

    candidates = [os.environ["DATABASE_URL"]] if os.environ.get("DATABASE_URL") else LOCAL_POSTGRES
    for url in candidates:
        try:
            psycopg.connect(url, connect_timeout=3).close()
            return url
        except psycopg.Error:
            continue
    return None


# The REST API (this step): tokens and requests over HTTP, as a program sends them.


def token_header(key):
    """The Authorization header that carries an API token."""
    return f"Token {key}"


def api_request(server, method, path, data=None, key=None):
    """Send a JSON request to a live server's API; return (status, JSON answer or None)."""
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = token_header(key)
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(server.url + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    return status, json.loads(text) if text else None


def api_token(server, username, password):
    """The API token of a user of a live server, asked for with POST /api/token/."""
    status, answer = api_request(
        server, "POST", "/api/token/", {"username": username, "password": password}
    )
    assert status == 200, f"POST /api/token/ as {username} answered {status}: {answer}"
    return answer["token"]


def token_socket(server, path, key):
    """A real WebSocket client on PATH, as a program opens it: a token header, no Origin."""
    return connect(
        f"{server.ws_url}{path}", additional_headers={"Authorization": token_header(key)}
    )
