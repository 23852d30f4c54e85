"""Fixtures for this step's tests: sockets through the ASGI app, a live Daphne, a browser."""

import http.cookiejar
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
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache
from django.test import Client

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


@pytest.fixture
async def connect():
    """Open sockets through config.asgi.application; every one is closed after the test."""
    from config.asgi import application

    opened = []

    async def open_socket(path, origin=ORIGIN, headers=(), host=HOST):
        communicator = WebsocketCommunicator(
            application,
            path,
            headers=[(b"host", host.encode()), (b"origin", origin.encode()), *headers],
        )
        connected, _ = await communicator.connect()
        opened.append(communicator)
        return communicator, connected

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


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


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    """A real Daphne serving this step on 127.0.0.1, stopped after the module's tests."""
    server = Server(tmp_path_factory.mktemp("live"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def chromium_path():
    """Debian's Chromium, or another Chromium/Chrome on PATH, or CHROMIUM_PATH."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    for name in CHROMIUM_CANDIDATES:
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, closed after the module's tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install playwright")
    executable = chromium_path()
    if executable is None:
        unavailable(
            "No Chromium found: install it (Debian/Ubuntu: apt-get install chromium) "
            "or set CHROMIUM_PATH to a Chrome or Chromium binary"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (its own cookies), closed after the test."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def other_page(browser):
    """A second person: a page in its own browser context, closed after the test."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# Accounts (this step): logged-in sessions for sockets, a live server with the demo users.

DEMO_PASSWORDS = {"ada": "ada-demo-password", "grace": "grace-demo-password"}


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache: failed logins are counted there."""
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Use a fast password hasher in-process: PBKDF2 is slow on purpose, tests need not be."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Login:
    """A user logged in through Django's test client, and the headers their browser would send."""

    user: object
    client: Client
    headers: list


def session_headers(session_key):
    """The Cookie header a browser holding this session sends with a WebSocket handshake."""
    return [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())]


@pytest.fixture
def logged_in(django_user_model):
    """alice, bob and carol, each logged in with a session of their own, by username."""
    logins = {}
    for username in ("alice", "bob", "carol"):
        # No password: force_login needs none.
        user = django_user_model.objects.create_user(username)
        client = Client()
        client.force_login(user)
        session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        logins[username] = Login(user, client, session_headers(session_key))
    return logins


@pytest.fixture(scope="module")
def demo_daphne(tmp_path_factory):
    """A real Daphne whose database holds the demo users, stopped after the module's tests."""
    server = Server(tmp_path_factory.mktemp("live"))
    try:
        server.start()
        server.manage("demo_users")
        yield server
    finally:
        server.stop()


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
