"""`course.py run`: migrate, demo users, one server (or Redis and two for step 6), clean stops."""

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

# Stands in for a step's manage.py: answers every GET with its PROCESS_LABEL and REDIS_URL.
MANAGE = """
import http.server
import os
import sys

if sys.argv[1] == "runserver":
    body = f"{os.environ.get('PROCESS_LABEL')} {os.environ.get('REDIS_URL')}".encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

    server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[-1].split(":")[1])), Page)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("server stopped on Ctrl-C")
else:
    print("ran", *sys.argv[1:])
"""
DEMO_USERS = {"accounts/management/commands/demo_users.py": "# stands in for the real one\n"}
# Stands in for step 6's manage.py: a server that, once stopped, says whether its Redis was up.
MANAGE_SEEING_REDIS = """
import os
import socket
import sys
import time
from urllib.parse import urlsplit

if sys.argv[1] == "runserver":
    port = int(sys.argv[-1].split(":")[1])
    redis = urlsplit(os.environ["REDIS_URL"])
    with socket.create_server(("127.0.0.1", port)) as server:
        try:
            while True:
                server.accept()[0].close()
        except KeyboardInterrupt:
            time.sleep(0.5)  # a real server takes a moment to stop, and uses Redis meanwhile
            with socket.socket() as sock:
                up = sock.connect_ex((redis.hostname, redis.port)) == 0
            print(f"server-{port} stopped; its Redis was {'up' if up else 'gone'}")
else:
    print("ran", *sys.argv[1:])
"""


def free_port():
    """A port that can be bound, as can the next one; below the range client sockets come from."""
    for port in random.sample(range(20000, 30000), 100):
        try:
            with socket.socket() as first, socket.socket() as second:
                first.bind(("127.0.0.1", port))
                second.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two free ports in a row between 20000 and 30000")


def get(port):
    """The body of GET / on 127.0.0.1:PORT, waiting up to 20 s for the server."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def listening(port):
    """Whether something accepts connections on 127.0.0.1:PORT."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Running:
    """`course.py run` in its own session, so a test can press Ctrl-C on its process group."""

    def __init__(self, fake, *args, env=None):
        command = [sys.executable, "course.py", "--no-venv", "run", *args]
        self.process = subprocess.Popen(
            command,
            cwd=fake.root,
            env={**os.environ, **(env or {})},
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines = []
        self.reader = threading.Thread(target=self.lines.extend, args=(self.process.stdout,))
        self.reader.start()

    def wait_for(self, text, seconds=20):
        """Wait until a line of output contains TEXT."""
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"no {text!r} in {''.join(self.lines)}"
            time.sleep(0.1)

    def ctrl_c(self):
        """Send SIGINT to the whole process group, as a terminal does; return (code, output)."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.finish()

    def sigterm(self):
        """Send SIGTERM to course.py alone; return (code, output)."""
        self.process.terminate()
        return self.finish()

    def finish(self):
        """Wait for the exit; return (exit code, everything printed)."""
        code = self.process.wait(timeout=30)
        self.reader.join()
        return code, "".join(self.lines)


@pytest.fixture
def course(fake):
    """A course whose steps 1, 4 and 6 have the stand-in manage.py."""
    fake.step("step01_wsgi_vs_asgi", {"manage.py": MANAGE})
    fake.step("step04_auth", {"manage.py": MANAGE, **DEMO_USERS})
    fake.step("step06_redis", {"manage.py": MANAGE, **DEMO_USERS})
    return fake


@pytest.fixture
def port():
    """A free port for the (first) server."""
    return free_port()


def test_serves_the_step_on_the_port(course, port):
    """`run 1 --port P` serves step 1 on 127.0.0.1:P."""
    running = Running(course, "1", "--port", str(port))
    try:
        assert get(port).startswith("None")
    finally:
        running.ctrl_c()


def test_ctrl_c_stops_cleanly(course, port):
    """Ctrl-C stops the server and exits 0 without a traceback."""
    running = Running(course, "1", "--port", str(port))
    get(port)
    code, output = running.ctrl_c()
    assert (code, "Traceback" in output, listening(port)) == (0, False, False)


def test_sigterm_stops_the_children(course, port):
    """SIGTERM to course.py alone still stops its server."""
    running = Running(course, "1", "--port", str(port))
    get(port)
    code, _ = running.sigterm()
    assert (code, listening(port)) == (0, False)


def test_migrates_before_serving(course, port):
    """migrate --noinput runs first."""
    running = Running(course, "1", "--port", str(port))
    get(port)
    assert "ran migrate --noinput" in running.ctrl_c()[1]


def test_no_demo_users_before_step_4(course, port):
    """A step without the demo_users command does not run it."""
    running = Running(course, "1", "--port", str(port))
    get(port)
    assert "demo_users" not in running.ctrl_c()[1]


def test_demo_users_from_step_4(course, port):
    """A step with accounts/management/commands/demo_users.py gets its demo users."""
    running = Running(course, "4", "--port", str(port))
    get(port)
    assert "ran demo_users" in running.ctrl_c()[1]


def test_step_6_serves_two_labelled_processes(course, port):
    """Step 6 runs server-P and server-P+1, both given REDIS_URL."""
    running = Running(course, "6", "--port", str(port), env={"REDIS_URL": "redis://example:1/0"})
    try:
        pages = [get(port), get(port + 1)]
    finally:
        running.ctrl_c()
    assert pages == [f"server-{port} redis://example:1/0", f"server-{port + 1} redis://example:1/0"]


def test_step_6_says_to_open_two_tabs(course, port):
    """Once both listen, the learner is told which two addresses to open."""
    running = Running(course, "6", "--port", str(port), env={"REDIS_URL": "redis://example:1/0"})
    sentence = f"open http://127.0.0.1:{port}/ and http://127.0.0.1:{port + 1}/ in two tabs"
    try:
        running.wait_for(sentence)
    finally:
        running.ctrl_c()


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server on PATH")
def test_step_6_starts_and_stops_its_own_redis(course, port):
    """Without REDIS_URL, a private redis-server on a free port is started, then stopped."""
    running = Running(course, "6", "--port", str(port), env={"REDIS_URL": ""})
    redis_port = int(get(port).rsplit(":", 1)[1].split("/")[0])
    assert listening(redis_port)
    running.ctrl_c()
    assert not listening(redis_port)


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server on PATH")
def test_step_6_stops_its_servers_before_their_redis(fake, port):
    """Ctrl-C stops both servers before the Redis they use, so they never lose it mid-stop."""
    fake.step("step06_redis", {"manage.py": MANAGE_SEEING_REDIS, **DEMO_USERS})
    running = Running(fake, "6", "--port", str(port), env={"REDIS_URL": ""})
    running.wait_for("in two tabs")
    assert running.ctrl_c()[1].count("its Redis was up") == 2


def test_step_6_without_redis_says_how_to_get_it(course, port):
    """No REDIS_URL and no redis-server: a sentence naming the ways to get one, exit 1."""
    env = {"REDIS_URL": "", "PATH": "/nonexistent"}
    running = Running(course, "6", "--port", str(port), env=env)
    code, output = running.finish()
    assert code == 1
    assert "docker compose up -d redis" in output and "brew install redis" in output


def test_a_busy_port_is_one_sentence(course, port):
    """A port something already listens on is refused before anything is started."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        code, output = Running(course, "1", "--port", str(port)).finish()
    assert code == 1
    assert f"Something already listens on 127.0.0.1:{port}" in output
    assert "migrate" not in output


def test_step_6_labels_each_servers_lines(course, port):
    """Each line a step 6 server prints starts with its name, server-PORT, as its pages say."""
    running = Running(course, "6", "--port", str(port), env={"REDIS_URL": "redis://example:1/0"})
    running.wait_for("in two tabs")
    output = running.ctrl_c()[1]
    assert f"[server-{port}] server stopped on Ctrl-C" in output
    assert f"[server-{port + 1}] server stopped on Ctrl-C" in output


def test_a_step_with_an_inbox_points_at_it(fake, port):
    """`run` names the room and the inbox pages of a step that has them (step 5)."""
    templates = {f"chat/templates/chat/{name}.html": "" for name in ("room", "inbox")}
    fake.step("step05_private_inbox", {"manage.py": MANAGE, **DEMO_USERS, **templates})
    running = Running(fake, "5", "--port", str(port))
    running.wait_for("/inbox/")
    output = running.ctrl_c()[1]
    assert f"http://127.0.0.1:{port}/chat/lobby/" in output
    assert f"http://127.0.0.1:{port}/inbox/" in output


def test_step_7_serves_two_labelled_processes_too(fake, port):
    """Step 7 is step 6 plus an API: it runs as server-P and server-P+1 on Redis as well."""
    fake.step("step07_api", {"manage.py": MANAGE, **DEMO_USERS})
    running = Running(fake, "7", "--port", str(port), env={"REDIS_URL": "redis://example:1/0"})
    try:
        pages = [get(port), get(port + 1)]
    finally:
        running.ctrl_c()
    assert pages == [f"server-{port} redis://example:1/0", f"server-{port + 1} redis://example:1/0"]
