"""Fixtures for this step's tests: sockets through the ASGI app, a live Daphne, a browser."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator

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
