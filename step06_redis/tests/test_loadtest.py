"""loadtest.py, run the way a learner runs it, against a live server on its own Redis."""

import subprocess
import sys

import pytest

from tests.conftest import STEP_DIR, Server, free_port

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_url):
    """A live server on the tests' Redis, with the demo users, stopped after the tests."""
    server = Server(tmp_path_factory.mktemp("loadtest"))
    server.env["REDIS_URL"] = redis_url
    try:
        server.start()
        server.manage("demo_users")
        yield server
    finally:
        server.stop()


def loadtest(*args):
    """Run `python loadtest.py ARGS` in the step folder; return the finished process."""
    return subprocess.run(
        [sys.executable, "loadtest.py", *args],
        cwd=STEP_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def small_burst(server):
    """The printed result of a small burst: 5 listeners, 2 senders x 10 messages."""
    return loadtest("--url", server.url, "--clients", "5", "--senders", "2", "--messages", "10")


def test_small_burst_loses_nothing(small_burst):
    """Every one of the (5 + 2) x 2 x 10 deliveries arrives, and the summary says so."""
    assert "\nlost:          0 (0.00 %)" in small_burst.stdout, small_burst.stdout


def test_small_burst_counts_every_socket(small_burst):
    """The summary counts the senders' copies too: (5 listeners + 2 senders) x 20 messages."""
    assert "delivered:     140 (100 of 100 to listeners, 40 of 40 to senders)" in (
        small_burst.stdout
    ), small_burst.stdout


def test_small_burst_exits_zero(small_burst):
    """Nothing lost means exit status 0."""
    assert small_burst.returncode == 0, small_burst.stdout + small_burst.stderr


def test_wrong_password_is_explained(server):
    """A failed login stops the run with exit status 2 and a sentence, not a traceback."""
    result = loadtest("--url", server.url, "--login", "ada:wrong-password", "--clients", "1")
    assert (result.returncode, result.stderr.split(" (")[0]) == (
        2,
        f"Login failed at {server.url}/accounts/login/ for 'ada'",
    ), result.stderr


@pytest.mark.no_redis
def test_missing_server_is_explained():
    """Nothing listening on the URL stops the run with exit status 2 and a sentence."""
    url = f"http://127.0.0.1:{free_port()}"
    result = loadtest("--url", url, "--clients", "1")
    assert (result.returncode, result.stderr.split(" (")[0]) == (2, f"Nothing answers at {url}")
