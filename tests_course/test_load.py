"""bench/load.py, the load tool, run as the READMEs and bench/LOAD.md show it, with small bursts.

The slow tests serve a step (bench/serve.py: Daphne, a fresh database, the demo users, step 6
with a redis-server of its own) and send a burst into one room over real sockets; the quick ones
check what the command line refuses, and a server that is not there.
"""

import shutil
import subprocess
import sys
import tempfile

import pytest

from tests_course.test_attack import ROOT, unavailable

sys.path.insert(0, str(ROOT / "bench"))
from serve import Postgres, PostgresUnavailable, Step, free_port  # noqa: E402

SMALL = ["--clients", "5", "--senders", "2", "--messages", "10"]


def load(*args):
    """Run `python bench/load.py ARGS` from the top of the repository; the finished process."""
    command = [sys.executable, "bench/load.py", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)


def needs_redis():
    """Skip (fail in CI) when there is no redis-server to serve step 6 with."""
    if not shutil.which("redis-server"):
        unavailable("redis-server is not on PATH: apt-get install redis-server")


def line(result, label):
    """The text after LABEL on the summary line that starts with it."""
    found = [row for row in result.stdout.splitlines() if row.startswith(f"{label}:")]
    assert found, result.stdout + result.stderr
    return found[0].split(":", 1)[1].strip()


@pytest.fixture(scope="module")
def step5():
    """Step 5 served on a free port, with the demo users: a server of the learner's own."""
    with tempfile.TemporaryDirectory(prefix="load-test-") as folder:
        server = Step(5, folder)
        try:
            server.start()
            yield server
        finally:
            server.stop()


@pytest.mark.slow
def test_a_small_burst_into_step_3_loses_nothing():
    """Served step 3 (no accounts): all (5 + 2) x 2 x 10 deliveries arrive, and it exits 0."""
    result = load("--step", "3", *SMALL)
    assert line(result, "delivered") == "140 (100 of 100 to listeners, 40 of 40 to senders)"
    assert result.returncode == 0


@pytest.mark.slow
def test_compare_delivers_everything_with_the_step_settings():
    """--compare prints step 3's table; the step's row delivers all 2 x 5 frames to 2 clients."""
    result = load("--step", "3", "--compare", "--clients", "1", "--senders", "1", "--messages", "5")
    rows = [row.split() for row in result.stdout.splitlines() if row.startswith("this step")]
    assert rows, result.stdout + result.stderr
    assert rows[0][-4:-1] == ["10", "0", "0.0%"]


@pytest.mark.slow
def test_two_step_6_processes_deliver_across_redis():
    """Two step 6 processes on one Redis: a sender on each, and every socket gets every message."""
    needs_redis()
    result = load("--step", "6", "--processes", "2", *SMALL)
    assert line(result, "lost") == "0 (0.00 %); sockets missing messages: 0 of 7"
    assert result.stdout.count(": 3 listeners, 1 senders") == 1


@pytest.mark.slow
def test_the_pubsub_layer_delivers_a_paced_burst():
    """Step 6 on the Pub/Sub layer, 20 messages a second per sender: nothing lost, no traceback."""
    needs_redis()
    result = load("--step", "6", "--layer", "pubsub", "--rate", "20", *SMALL)
    assert line(result, "sent").endswith("(20 messages/s per sender)")
    assert line(result, "lost").startswith("0 (0.00 %)")
    assert line(result, "server logs").startswith("0 tracebacks")


@pytest.mark.slow
def test_a_small_capacity_loses_messages_and_the_log_says_so():
    """--capacity 5 serves step 6 with a tiny queue: a burst is lost, exit 1, a WARNING logged."""
    needs_redis()
    result = load("--step", "6", "--capacity", "5", "--senders", "5", "--messages", "20")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "channels over capacity in group chat.room.load" in result.stdout


@pytest.mark.slow
def test_a_server_of_your_own_gets_the_summary(step5):
    """--url: logged in as ada, the (5 + 2) x 20 deliveries are counted per kind of socket."""
    result = load("--url", step5.url, *SMALL)
    assert line(result, "delivered") == "140 (100 of 100 to listeners, 40 of 40 to senders)"
    assert result.returncode == 0


@pytest.mark.slow
def test_a_wrong_password_is_explained(step5):
    """A failed login stops the run with exit status 2 and a sentence, not a traceback."""
    result = load("--url", step5.url, "--login", "ada:wrong-password", "--clients", "1")
    assert result.returncode == 2
    assert result.stderr.startswith(f"Login failed at {step5.url}/accounts/login/ for 'ada' (")


def test_a_missing_server_is_explained():
    """Nothing listening at --url stops the run with exit status 2 and a sentence."""
    url = f"http://127.0.0.1:{free_port()}"
    result = load("--url", url, "--clients", "1")
    assert result.returncode == 2
    assert result.stderr.startswith(f"Nothing answers at {url} (connection refused)")


def test_zero_senders_are_refused():
    """--senders 0 is refused by the command line (exit 2), before anything is served."""
    result = load("--step", "3", "--senders", "0")
    assert result.returncode == 2
    assert "is not from 1 to 1000" in result.stderr


def test_two_processes_need_step_6():
    """--processes 2 outside step 6 is refused: only step 6 shares its layer between processes."""
    result = load("--step", "5", "--processes", "2")
    assert result.returncode == 2
    assert "need --step 6" in result.stderr


def test_a_server_of_your_own_cannot_be_reconfigured():
    """--capacity with --url is refused: only a step the tool serves can have its layer changed."""
    result = load("--url", "http://127.0.0.1:8000", "--capacity", "100")
    assert result.returncode == 2
    assert "give --step, not --url" in result.stderr


def test_step_or_url_is_required():
    """Without --step or --url the tool does not guess where to send the burst."""
    result = load("--clients", "1")
    assert result.returncode == 2
    assert "one of the arguments --step --url is required" in result.stderr


def needs_nginx():
    """Skip (fail in CI) when there is no nginx to put in front of step 6."""
    if not (shutil.which("nginx") or shutil.which("/usr/sbin/nginx")):
        unavailable("nginx is not installed: apt-get install nginx")


@pytest.mark.slow
def test_two_processes_behind_nginx_deliver_everything():
    """--nginx: every socket goes through nginx, which spreads them over the two processes."""
    needs_redis()
    needs_nginx()
    result = load("--step", "6", "--processes", "2", "--nginx", *SMALL)
    assert "2 processes of daphne, behind nginx" in result.stdout
    assert line(result, "lost") == "0 (0.00 %); sockets missing messages: 0 of 7"


@pytest.mark.slow
def test_uvicorn_serves_the_same_burst():
    """--server uvicorn: step 6 under uvicorn delivers the whole burst."""
    needs_redis()
    result = load("--step", "6", "--server", "uvicorn", *SMALL)
    assert "1 process of uvicorn" in result.stdout
    assert line(result, "lost") == "0 (0.00 %); sockets missing messages: 0 of 7"


@pytest.mark.slow
def test_stock_serves_the_channels_tutorial_consumer():
    """--stock: the tutorial's consumer with the library's defaults, which this burst fits."""
    needs_redis()
    result = load("--step", "6", "--stock", *SMALL)
    assert "the Channels tutorial's consumer (--stock)" in result.stdout
    assert "RedisChannelLayer {}" in result.stdout
    assert line(result, "lost") == "0 (0.00 %); sockets missing messages: 0 of 7"


@pytest.mark.slow
def test_a_served_run_reports_the_servers_cpu():
    """A served run says how many deliveries each CPU-second of the servers and Redis made."""
    needs_redis()
    result = load("--step", "6", *SMALL)
    assert line(result, "server CPU").endswith("deliveries per CPU-second")
    assert "% of a core" in line(result, "client CPU")


@pytest.mark.slow
def test_repeat_prints_the_median_of_each_figure():
    """--repeat 2 runs the burst twice on fresh servers, then prints each figure's median."""
    needs_redis()
    result = load("--step", "6", "--repeat", "2", *SMALL)
    assert result.stdout.count("--- run ") == 2
    medians = result.stdout.split("--- median of 2 (min-max) ---")[1].splitlines()
    assert "lost: 0 (0-0)" in [" ".join(row.split()) for row in medians]


def test_stock_needs_step_6():
    """The tutorial's consumer is served on step 6's project only."""
    result = load("--step", "5", "--stock")
    assert result.returncode == 2
    assert "--stock, --nginx and --postgres need --step 6" in result.stderr


@pytest.mark.slow
def test_an_inbox_burst_reaches_both_users_sockets():
    """--inbox: ada's senders send private messages to grace; every socket of both gets each."""
    needs_redis()
    result = load("--step", "6", "--inbox", *SMALL)
    assert "inboxes: ada sends private messages to grace" in line(result, "clients")
    assert line(result, "lost") == "0 (0.00 %); sockets missing messages: 0 of 7"


@pytest.mark.slow
def test_a_served_run_reports_the_servers_memory_per_socket():
    """The summary says how much the server processes grew while the sockets opened."""
    needs_redis()
    result = load("--step", "6", *SMALL)
    assert line(result, "server memory").endswith("KiB a socket")


def test_the_tutorials_consumer_has_no_inbox():
    """--inbox with --stock is refused: the tutorial's consumer has rooms only."""
    result = load("--step", "6", "--stock", "--inbox")
    assert result.returncode == 2
    assert "--inbox does not combine with --stock" in result.stderr


def needs_postgres():
    """Skip (fail in CI) when no local PostgreSQL answers for --postgres to make a database on."""
    try:
        Postgres().run("SELECT 1")
    except PostgresUnavailable as error:
        unavailable(f"{error} (--postgres needs a local PostgreSQL: apt-get install postgresql)")


@pytest.mark.slow
def test_an_inbox_burst_on_postgresql_is_saved_there():
    """--postgres: two processes share a database made for the run, which is dropped after."""
    needs_redis()
    needs_postgres()
    before = Postgres().run("SELECT datname FROM pg_database")
    result = load("--step", "6", "--inbox", "--processes", "2", "--postgres", *SMALL)
    assert "2 processes of daphne, on PostgreSQL" in result.stdout, result.stdout + result.stderr
    assert line(result, "lost") == "0 (0.00 %); sockets missing messages: 0 of 7"
    assert Postgres().run("SELECT datname FROM pg_database") == before, "the database was left"


def test_a_postgresql_that_does_not_answer_is_explained():
    """--postgres with an address where nothing listens: a sentence and exit 2, no traceback."""
    result = load("--step", "6", "--postgres", f"postgres://127.0.0.1:{free_port()}/postgres")
    assert result.returncode == 2
    assert result.stderr.startswith("--postgres: PostgreSQL at postgres://127.0.0.1:")
    assert "Traceback" not in result.stderr
