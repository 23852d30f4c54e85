"""Serve a step for a benchmark: its own Redis, its own database, a free port, stopped by pid.

The benchmarks in this folder import it; nothing here is a lesson of its own.
"""

import collections
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = {path.name[4:6]: path for path in sorted(ROOT.glob("step0*"))}


def step_dir(number):
    """The folder of step NUMBER."""
    return STEPS[f"{int(number):02d}"]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, log_path, seconds=30):
    """Return once PORT accepts connections; raise if PROCESS exits or SECONDS pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited early:\n{Path(log_path).read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {seconds} s")


def cpu_seconds(pid):
    """The CPU time (user + system) process PID has used so far, in seconds (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    """The memory process PID holds (its resident set size), in KiB (Linux's /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def machine_busy_seconds():
    """CPU time every core of the machine has spent busy so far (not idle), in seconds."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def stop(process, seconds=10):
    """SIGTERM the process by its pid; SIGKILL it if it has not exited after SECONDS."""
    if process is None or process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Redis:
    """A redis-server of our own on a free port, saving nothing to disk."""

    def __init__(self, folder):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = Path(folder) / "redis.log"
        self.folder = folder
        self.process = None

    def start(self):
        """Start redis-server and wait until it listens."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, self.log_path)

    def command(self, *args):
        """Run one redis-cli command against this server; its output, stripped."""
        cli = ["redis-cli", "-p", str(self.port), *args]
        return subprocess.run(cli, capture_output=True, text=True, check=True).stdout.strip()

    def stop(self):
        """Stop redis-server by its pid."""
        stop(self.process)

    def cpu_seconds(self):
        """The CPU time redis-server has used so far."""
        return cpu_seconds(self.process.pid)


# The command lines of the ASGI servers a step can be served with, without the application.
SERVERS = {
    "daphne": lambda port: ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port)],
    "uvicorn": lambda port: [
        *("-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port)),
        *("--ws", "websockets", "--log-level", "warning", "--no-access-log"),
    ],
}


class Step:
    """Daphne (or uvicorn) serving one step on a free port, with a fresh SQLite file.

    Several Step objects made with the same folder share one database, as the processes of one
    site do. EXTRA_ENV is added to the server's environment (REDIS_URL, CHANNEL_LAYER, …).
    APP is the ASGI application it serves, SERVER "daphne" or "uvicorn"; STEP_DIR, when given
    among EXTRA_ENV, is the step folder to serve instead of this checkout's (not passed on).
    """

    def __init__(self, number, folder, app="config.asgi:application", server="daphne", **extra_env):
        self.app = app
        self.server = server
        self.dir = Path(extra_env.pop("STEP_DIR", None) or step_dir(number))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.label = f"server-{self.port}"
        self.log_path = Path(folder) / f"{self.label}.log"
        # A learner's own DATABASE_URL is never used: SQLite, or the database_url given.
        self.env = {
            **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": "only-for-benchmarks",
            "DJANGO_DB_PATH": str(Path(folder) / "db.sqlite3"),
            "PYTHONUNBUFFERED": "1",
            "PROCESS_LABEL": self.label,
            **extra_env,
        }
        self.process = None

    def manage(self, *args):
        """Run a management command of the step on this server's database, DEBUG on.

        (demo_users refuses to publish its passwords where DEBUG is off.)
        """
        command = [sys.executable, "manage.py", *args]
        env = {**self.env, "DJANGO_DEBUG": "1"}
        subprocess.run(command, cwd=self.dir, env=env, check=True, capture_output=True)

    def start(self, migrate=True, backlog=None, wrapper=()):
        """Migrate, make the demo users (steps 4 on), start the server and wait until it listens.

        The server is `daphne -b 127.0.0.1 -p PORT config.asgi:application`, as in production
        (notes/10-deploying.md); with BACKLOG, on an endpoint whose listen queue holds BACKLOG
        connections instead of Twisted's 50. WRAPPER comes before the command (a profiler).
        """
        if migrate:
            self.manage("migrate", "--noinput")
            if (self.dir / "accounts").exists():
                self.manage("demo_users")
        listen = SERVERS[self.server](self.port)
        if backlog:
            endpoint = f"tcp:port={self.port}:interface=127.0.0.1:backlog={backlog}"
            listen = ["-m", "daphne", "-e", endpoint]
        command = [*wrapper, sys.executable, *listen, self.app]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.dir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.process, self.log_path)

    def log(self):
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """Stop the server by its pid."""
        stop(self.process)

    def cpu_seconds(self):
        """The CPU time the server process has used so far."""
        return cpu_seconds(self.process.pid)

    def rss_kib(self):
        """The memory the server process holds now, in KiB."""
        return rss_kib(self.process.pid)

    def log_in(self, username, password):
        """Log in through the login form; the session's Cookie header."""
        return log_in(self.url, username, password)

    def setting(self, name):
        """One of the step's settings in this server's environment, through JSON (repr() if not)."""
        code = "import django, json; django.setup(); from django.conf import settings; "
        code += f"print(json.dumps(settings.{name}, default=repr))"
        env = {"DJANGO_SETTINGS_MODULE": "config.settings", **self.env}
        command = [sys.executable, "-c", code]
        result = subprocess.run(command, cwd=self.dir, env=env, check=True, capture_output=True)
        return json.loads(result.stdout)


def log_in(url, username, password):
    """Log in through the login form at URL; the session's Cookie header.

    Raises urllib's HTTPError or URLError when the server answers badly or not at all, and
    RuntimeError when the form is answered but no session is set (a wrong password).
    """
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = f"{url}/accounts/login/"
    opener.open(login_url, timeout=30).close()
    form = {"username": username, "password": password}
    form["csrfmiddlewaretoken"] = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(login_url, data=data, headers={"Referer": login_url})
    opener.open(request, timeout=30).close()
    sessions = [c.value for c in jar if c.name == "sessionid"]
    if not sessions:
        raise RuntimeError(f"logging in as {username} failed")
    return f"sessionid={sessions[0]}"


def tracebacks(log_text):
    """How many tracebacks a server log holds."""
    return log_text.count("Traceback (most recent call last)")


def warning_lines(logs, most=5):
    """The commonest WARNING, ERROR and CRITICAL lines in LOGS, each as 'count x line'."""
    lines = collections.Counter(
        line.split(":", 2)[0] + ": " + line.split(":", 2)[-1].strip()[:60]
        for log in logs
        for line in log.splitlines()
        if line.startswith(("WARNING", "ERROR", "CRITICAL"))
    )
    return [f"{count:6} x {line}" for line, count in lines.most_common(most)]


def print_first_tracebacks(servers):
    """Print the first traceback of each server's log that holds one, with what led to it."""
    for server in servers:
        log = server.log()
        if tracebacks(log):
            print(f"\n--- {server.label} (first traceback) ---")
            start = log.index("Traceback (most recent call last)")
            print(log[max(0, start - 300) : start + 3000])


class Nginx:
    """nginx running step 6's deploy/nginx.conf in FOLDER, in front of BACKENDS (two Steps)."""

    def __init__(self, folder, backends):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(folder)
        self.log_path = self.folder / "nginx.log"
        config = (step_dir(6) / "deploy" / "nginx.conf").read_text()
        config = config.replace("127.0.0.1:8080", f"127.0.0.1:{self.port}")
        defaults = ["127.0.0.1:8000", "127.0.0.1:8001"]
        for default, backend in zip(defaults, backends, strict=False):
            config = config.replace(f"server {default};", f"server 127.0.0.1:{backend.port};")
        for default in defaults[len(backends) :]:
            config = config.replace(f"        server {default};\n", "")
        if os.geteuid() == 0:
            config = "user root;\n" + config  # workers as root may read a private temp folder
        (self.folder / "nginx.conf").write_text(config)
        self.process = None

    def start(self):
        """Start nginx in the foreground and wait until it listens."""
        command = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(self.folder)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [*command, "-c", "nginx.conf"], stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.process, self.log_path)

    def cpu_seconds(self):
        """The CPU time nginx's master and worker have used so far."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [self.process.pid, *map(int, children.read_text().split())]
        return sum(cpu_seconds(pid) for pid in pids)

    def stop(self):
        """Stop nginx by its pid (SIGTERM: a fast shutdown)."""
        stop(self.process)


# A local PostgreSQL over its socket, as a role named for the user (.ci/run makes one; Debian's
# "peer" authentication needs no password there).
LOCAL_POSTGRES = "postgres:///postgres"


class PostgresUnavailable(RuntimeError):
    """psycopg is missing, or the PostgreSQL server did not do what was asked; a sentence."""


class Postgres:
    """A fresh database on a running PostgreSQL server, for one run; dropped by stop().

    Its backend processes (one per pooled connection) count as the server's CPU, as Redis does.
    """

    def __init__(self, server=LOCAL_POSTGRES):
        self.server = server
        self.name = f"bench_{os.getpid()}_{time.monotonic_ns()}"
        self.url = f"{server.rsplit('/', 1)[0]}/{self.name}"

    def run(self, sql, *params):
        """Run SQL on the server's own database; its rows (PostgresUnavailable if it cannot)."""
        try:
            import psycopg
        except ImportError:
            missing = 'psycopg is not installed: pip install "psycopg[binary,pool]"'
            raise PostgresUnavailable(missing) from None
        try:
            with psycopg.connect(self.server, autocommit=True, connect_timeout=3) as connection:
                cursor = connection.execute(sql, params or None)
                return cursor.fetchall() if cursor.description else []
        except psycopg.Error as error:
            raise PostgresUnavailable(f"PostgreSQL at {self.server}: {error}".strip()) from None

    def start(self):
        """Create the database."""
        self.run(f'CREATE DATABASE "{self.name}"')

    def stop(self):
        """Drop the database, closing what is still connected to it."""
        self.run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def cpu_seconds(self):
        """The CPU time used so far by the backends connected to the database now."""
        rows = self.run("SELECT pid FROM pg_stat_activity WHERE datname = %s", self.name)
        total = 0.0
        for (pid,) in rows:
            with contextlib.suppress(FileNotFoundError):  # a backend that just ended
                total += cpu_seconds(pid)
        return total


@contextlib.contextmanager
def checkout(revision, folder):
    """A git worktree of this repository at REVISION in FOLDER, removed afterwards; its path."""
    path = Path(folder) / f"checkout-{revision}"
    git = ["git", "-C", str(ROOT)]
    add = [*git, "worktree", "add", "--detach", str(path), revision]
    subprocess.run(add, check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(path)], capture_output=True)


@contextlib.contextmanager
def served(
    number, folder, processes=1, layer="core", backlog=None, server="daphne", app=None, **extra_env
):
    """Serve step NUMBER on PROCESSES servers sharing one database; yield (servers, redis).

    Step 6 gets a redis-server of its own (REDIS_URL), and CHANNEL_LAYER=pubsub when LAYER is
    "pubsub"; redis is None for the other steps. SERVER is "daphne" or "uvicorn", APP the ASGI
    application (the step's own by default). Every process started is stopped at the end.
    """
    redis = Redis(folder) if int(number) == 6 else None
    servers = []
    try:
        env = dict(extra_env)
        if redis:
            redis.start()
            env["REDIS_URL"] = redis.url
            if layer == "pubsub":
                env["CHANNEL_LAYER"] = "pubsub"
        for index in range(processes):
            process = Step(number, folder, app or "config.asgi:application", server, **env)
            process.start(migrate=index == 0, backlog=backlog)
            servers.append(process)
        yield servers, redis
    finally:
        for process in servers:
            process.stop()
        if redis:
            redis.stop()
