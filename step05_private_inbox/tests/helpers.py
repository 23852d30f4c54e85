"""What this step's tests share besides fixtures: where things are, a server, logins over HTTP."""

import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

STEP_DIR = Path(__file__).resolve().parent.parent
ORIGIN = "http://127.0.0.1:8000"
# The Host header of a handshake to ORIGIN's server: the origin check compares the two.
HOST = "127.0.0.1:8000"
CHROMIUM_CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


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


class Server:
    """A `manage.py runserver` (Daphne) process on a free port, with its log in a file."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "server.log"
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DJANGO_DB_PATH": str(tmp_path / "db.sqlite3"),
            "PYTHONUNBUFFERED": "1",
        }
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

    def start(self, *command):
        """Start the server (`manage.py runserver` unless told otherwise) and wait for it."""
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
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

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
