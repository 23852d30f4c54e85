"""`run`: migrate a step, create its demo users, and serve it (steps 6 on: Redis, two servers)."""

import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from coursekit.processes import free_port, listening, manage, start_server, stop, wait_for_port
from coursekit.steps import find_step, step_number

DEFAULT_STEP = "3"
# Pages worth opening first, found by the template that serves them: (template, path, what).
PAGES = [
    ("chat/templates/chat/room.html", "chat/lobby/", "a chat room"),
    ("chat/templates/chat/inbox.html", "inbox/", "your private messages"),
]
# From this step on, a step runs as two server processes sharing a Redis.
FIRST_REDIS_STEP = 6
# Step 7's topic index: the chat channels that its REST API serves.
TOPICS = Path("chat", "templates", "chat", "topics.html")
DEMO_USERS = Path("accounts", "management", "commands", "demo_users.py")
REDIS_HELP = (
    "Step {number} needs Redis, and there is no redis-server on PATH and no REDIS_URL set. Start "
    "one: `docker compose up -d redis` in {folder}, or install it (Debian/Ubuntu: "
    "`sudo apt-get install redis-server`; macOS: `brew install redis`), or set REDIS_URL."
)


def needs_redis(step):
    """Whether STEP runs on Redis, as two server processes."""
    return step_number(step) >= FIRST_REDIS_STEP


def start_redis(step, processes):
    """Start a private redis-server on a free port; return its URL."""
    port = free_port()
    command = ["redis-server", "--port", port, "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no"]
    redis = start_server(command, step, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    processes.append(redis)
    if not wait_for_port(port, redis, seconds=10):
        sys.exit(f"redis-server did not start on port {port} (exit code {redis.poll()}).")
    return f"redis://127.0.0.1:{port}/0"


def redis_url(step, processes):
    """REDIS_URL from the environment, else a Redis of our own, else exit saying how to get one."""
    if os.environ.get("REDIS_URL"):
        print(f"Using REDIS_URL={os.environ['REDIS_URL']}")
        return os.environ["REDIS_URL"]
    if not shutil.which("redis-server"):
        sys.exit(REDIS_HELP.format(number=step_number(step), folder=step.name))
    return start_redis(step, processes)


def start_labelled(command, cwd, label, env):
    """Start a server whose every output line is printed after [LABEL], as its pages name it."""
    env = {**env, "PYTHONUNBUFFERED": "1"}  # each line as it is written, not when a buffer fills
    server = start_server(
        command, cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        errors="replace",
    )  # fmt: skip

    def relay():
        for line in server.stdout:
            print(f"[{label}] {line.rstrip()}".rstrip(), flush=True)

    server.relay = threading.Thread(target=relay, daemon=True)
    server.relay.start()
    return server


def pages_to_open(step, site):
    """Lines naming the step's pages worth opening first (a room, the inbox), or none."""
    found = [(site + path, what) for template, path, what in PAGES if (step / template).is_file()]
    width = max((len(url) for url, _ in found), default=0)
    return [f"  {url:<{width}}  {what}" for url, what in found]


def serve(step, port, processes, services):
    """Start the step's server(s): one runserver, or two processes sharing Redis from step 6 on.

    PROCESSES gets the servers; SERVICES what they use, a Redis of our own, to stop after them.
    """
    site = f"http://127.0.0.1:{port}/"
    if not needs_redis(step):
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"]
        server = start_server(command, step)
        processes.append(server)
        if wait_for_port(port, server):
            pages = pages_to_open(step, site)
            print(f"\nOpen {site} in your browser. Ctrl-C stops the server.")
            print("\n".join(["Or go straight to:", *pages, ""]) if pages else "", flush=True)
        return
    env = {**os.environ, "REDIS_URL": redis_url(step, services)}
    ports = [port, port + 1]
    for each in ports:
        label = f"server-{each}"  # the process label its pages show
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{each}"]
        processes.append(start_labelled(command, step, label, {**env, "PROCESS_LABEL": label}))
    if all(wait_for_port(each, server) for each, server in zip(ports, processes[-2:], strict=True)):
        places = "/chat/lobby/ is a chat room and /inbox/ your private messages"
        if (step / TOPICS).is_file():
            places = places.replace(" and ", ", ") + " and /topics/ the REST API's chat channels"
        print(
            f"\nopen {site} and http://127.0.0.1:{port + 1}/ in two tabs\n"
            "(cookies are per host, not per port: to be two users at once, open the second in "
            f"a private window, or as http://localhost:{port + 1}/). Ctrl-C stops everything.\n"
            f"On either, {places}. Each "
            f"server's log lines start with its name, as its pages show it: [server-{port}].\n",
            flush=True,
        )


def wait_any(processes):
    """Wait until a child exits; say which one and return its exit code (1 if it was 0)."""
    while True:
        for process in processes:
            if process.poll() is not None:
                command = shlex.join(process.args)
                print(f"Stopped: `{command}` exited with code {process.returncode}.")
                return process.returncode or 1
        time.sleep(0.2)


def cmd_run(args):
    """Migrate a step, create its demo users if it has any, and serve it until Ctrl-C."""
    step = find_step(args.step)
    for port in [args.port, args.port + 1] if needs_redis(step) else [args.port]:
        if listening(port):
            sys.exit(f"Something already listens on 127.0.0.1:{port}: stop it, or use --port.")
    manage(step, "migrate", "--noinput")
    if (step / DEMO_USERS).exists():
        manage(step, "demo_users")
    processes, services = [], []
    try:
        serve(step, args.port, processes, services)
        return wait_any(services + processes)
    except KeyboardInterrupt:
        return 0
    finally:
        # Servers first: one that outlived its Redis would close its sockets with 4503 and warn.
        stop(processes, grace=0)
        stop(services, grace=0)
