"""Step 7 on a real PostgreSQL: the database tests again, and two processes writing at once."""

import json
import os
import subprocess
import sys
import threading
import urllib.request

import pytest
from websockets.sync.client import connect

from tests.helpers import DEMO_PASSWORDS, STEP_DIR, Server, log_in_over_http

# The modules whose tests read and write the database, run again with DATABASE_URL set: Django
# reads its settings once per process, so they run in a pytest process of their own.
DATABASE_MODULES = [
    "test_accounts.py",
    "test_demo_users.py",
    "test_handshake.py",
    "test_inbox.py",
    "test_inbox_views.py",
    "test_sessions.py",
    "test_user_model.py",
]
MESSAGES_EACH = 50

# Slow, and it needs a PostgreSQL server: with the live tests, out of the fast run.
pytestmark = pytest.mark.live


def test_database_tests_pass_on_postgresql(postgres):
    """The in-process tests that use the database pass with DATABASE_URL pointing at PostgreSQL."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not live"]
        + [f"tests/{module}" for module in DATABASE_MODULES],
        cwd=STEP_DIR,
        env={**os.environ, "DATABASE_URL": postgres},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"pytest on PostgreSQL failed:\n{result.stdout[-6000:]}"


@pytest.fixture(scope="module")
def servers_on_postgresql(tmp_path_factory, redis_url, postgres):
    """Two Daphne processes sharing the tests' Redis and one PostgreSQL database."""
    tmp_path = tmp_path_factory.mktemp("postgresql")
    servers = [Server(tmp_path, database_url=postgres), Server(tmp_path, database_url=postgres)]
    try:
        servers[0].start()
        servers[1].start(migrate=False)
        servers[0].manage("demo_users")
        yield servers
    finally:
        for server in servers:
            server.stop()


def send_private_messages(server, cookie, to, texts):
    """Send each text as a private message over one inbox socket; return the ids it saw saved."""
    with connect(
        f"{server.ws_url}/ws/inbox/", origin=server.url, additional_headers={"Cookie": cookie}
    ) as socket:
        for text in texts:
            socket.send(json.dumps({"to": to, "message": text}))
        seen = set()
        while len(seen) < len(texts):
            frame = json.loads(socket.recv(timeout=30))
            if frame["type"] == "private" and frame["message"] in texts:
                seen.add(frame["id"])
        return seen


def test_two_processes_writing_at_once_lose_and_double_nothing(servers_on_postgresql):
    """ada on A and grace on B each send 50 at once: 100 rows, 100 distinct ids, none twice."""
    a, b = servers_on_postgresql
    jobs = {
        "ada": (a, "grace", [f"ada {n}" for n in range(MESSAGES_EACH)]),
        "grace": (b, "ada", [f"grace {n}" for n in range(MESSAGES_EACH)]),
    }
    cookies = {name: log_in_over_http(jobs[name][0], name, DEMO_PASSWORDS[name]) for name in jobs}
    seen = {}

    def run(name):
        server, to, texts = jobs[name]
        seen[name] = send_private_messages(server, cookies[name], to, texts)

    threads = [threading.Thread(target=run, args=(name,)) for name in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    saved = a.manage_output(
        "shell",
        "-v",
        "0",
        "-c",
        "from chat.models import PrivateMessage; print(PrivateMessage.objects.count())",
    )
    assert len(seen["ada"] | seen["grace"]) == 2 * MESSAGES_EACH
    assert int(saved) == 2 * MESSAGES_EACH


def test_requests_leave_at_most_the_pools_connections_open(servers_on_postgresql, postgres):
    """30 page loads through one process leave no more connections open than its pool's 10."""
    import psycopg

    a, _ = servers_on_postgresql
    cookie = log_in_over_http(a, "ada", DEMO_PASSWORDS["ada"])
    for _ in range(30):
        request = urllib.request.Request(f"{a.url}/inbox/", headers={"Cookie": cookie})
        urllib.request.urlopen(request, timeout=10).close()
    name = postgres.rsplit("/", 1)[1]
    with psycopg.connect(postgres) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()
    assert count <= 2 * 10  # two processes, each a pool of at most 10
