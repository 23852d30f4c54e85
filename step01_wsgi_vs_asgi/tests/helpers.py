"""What this step's tests share besides fixtures: both interfaces called by hand, servers."""

import asyncio
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults

import pytest

STEP_DIR = Path(__file__).resolve().parent.parent
# The README's command for serving config.asgi:application with Daphne; {port} is filled in.
DAPHNE = "-m daphne -b 127.0.0.1 -p {port} config.asgi:application"
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


def call_wsgi(app, path="/", query=""):
    """Call a WSGI application as a server does; return the status, the headers and the body."""
    environ = {}
    setup_testing_defaults(environ)
    # A WSGI server hands over the path as its raw bytes decoded as Latin-1.
    environ.update(PATH_INFO=path.encode().decode("latin-1"), QUERY_STRING=query)
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=dict(headers))

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started["status"], started["headers"], body


def http_scope(path="/", query=""):
    """The scope an ASGI server builds for `GET path?query` from 127.0.0.1."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def call_asgi(app, scope):
    """Await an ASGI application as a server does; return the messages it sent."""
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()  # The client stays connected until the app is done.

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def http_get(url, timeout=30):
    """GET a URL; return the status, the headers and the body."""
    # http.client, not urllib: urllib would send 127.0.0.1 through a proxy set in the environment.
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def get_at_once(url, count):
    """GET a URL `count` times at once, one thread each; return the JSON answers."""
    start_line = threading.Barrier(count)

    def one(_):
        start_line.wait(timeout=30)
        return json.loads(http_get(url)[2])

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


class Server:
    """A `manage.py runserver` (Django's WSGI server) process on a free port, logging to a file."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
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
