"""The helper against the real steps: `run 2` serves the echo page; `ws` passes Channels' checks."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursekit.processes import free_port, listening

ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGIN = "ada:ada-demo-password"


def serve_step(name, tmp_path):
    """Migrate a real step into a temporary database, add demo users if any, and serve it."""
    step = ROOT / name
    if not (step / "manage.py").exists():
        pytest.skip(f"{name} is not written yet")
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_DB_PATH": str(tmp_path / "db.sqlite3")}
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput"], cwd=step, env=env, check=True, capture_output=True
    )
    if (step / "accounts" / "management" / "commands" / "demo_users.py").exists():
        subprocess.run([*manage, "demo_users"], cwd=step, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=step,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not listening(port):
        assert server.poll() is None and time.monotonic() < deadline, f"{name} did not start"
        time.sleep(0.1)
    return server, f"ws://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def step02(tmp_path_factory):
    """step02_echo_consumer served by Daphne; yields its ws:// base URL."""
    server, url = serve_step("step02_echo_consumer", tmp_path_factory.mktemp("step02"))
    yield url
    server.terminate()
    server.wait()


@pytest.fixture(scope="module")
def step04(tmp_path_factory):
    """step04_auth served by Daphne, with its demo users; yields its ws:// base URL."""
    server, url = serve_step("step04_auth", tmp_path_factory.mktemp("step04"))
    yield url
    server.terminate()
    server.wait()


def ws(url, *args, lines=""):
    """Run `course.py ws URL ARGS` with LINES on stdin."""
    command = [sys.executable, ROOT / "course.py", "--no-venv", "ws", url, *args]
    return subprocess.run(command, input=lines, capture_output=True, text=True, timeout=60)


def test_echo_through_the_origin_check(step02):
    """The default Origin passes the step's same-origin check: the echo comes back."""
    assert "< hello\n" in ws(f"{step02}/ws/echo/", lines="hello\n").stdout


def test_plain_websockets_client_is_refused(step02):
    """`python -m websockets` sends no Origin, so the origin check refuses it (403), as taught."""
    command = [sys.executable, "-m", "websockets", f"{step02}/ws/echo/"]
    result = subprocess.run(command, input="", capture_output=True, text=True, timeout=60)
    assert "HTTP 403" in result.stdout + result.stderr


def test_logged_in_chat_message_comes_back_signed(step04):
    """With --login, the room accepts the socket and the message carries the user's name."""
    result = ws(f"{step04}/ws/chat/lobby/", "--login", DEMO_LOGIN, lines='{"message": "hi"}\n')
    assert '"username": "ada"' in result.stdout


def test_anonymous_chat_is_refused(step04):
    """Without --login, the room's handshake is refused."""
    result = ws(f"{step04}/ws/chat/lobby/")
    assert "refused the handshake with HTTP 403" in result.stderr


def test_wrong_password_is_refused(step04):
    """A wrong password for a real user is reported as a failed login."""
    result = ws(f"{step04}/ws/chat/lobby/", "--login", "ada:wrong")
    assert "Logging in as 'ada'" in result.stderr
