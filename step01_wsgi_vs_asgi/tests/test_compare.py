"""compare.py: its table, its servers always stopped, its arguments checked."""

import socket
import subprocess
import sys

import compare
import pytest

from tests.helpers import STEP_DIR

ROWS = [
    ("wsgiref, one thread", "WSGI", "sync"),
    ("wsgiref + ThreadingMixIn", "WSGI", "sync"),
    ("Daphne", "ASGI", "async"),
    ("Daphne", "ASGI", "sync"),
]
REQUESTS = 3


@pytest.fixture(scope="module")
def run():
    """`python compare.py --requests 3 --delay 0.2`, run once for the module's tests."""
    return subprocess.run(
        [sys.executable, "compare.py", "--requests", str(REQUESTS), "--delay", "0.2"],
        cwd=STEP_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def table(run):
    """The printed table as a list of rows, each a dict from column name to cell."""
    lines = [line for line in run.stdout.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, _, *rows = cells
    return [dict(zip(header, row, strict=True)) for row in rows]


def refuses_connections(port):
    """True when nothing listens on 127.0.0.1:port any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.live
def test_compare_exits_cleanly(run):
    """Every request of every row succeeds, so compare.py exits 0."""
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.live
def test_compare_prints_the_table_header(run):
    """The table's header names every column the README describes."""
    header = "| server | interface | view | requests | wall time | most in flight | threads used |"
    assert header in " ".join(run.stdout.split())


@pytest.mark.live
def test_compare_prints_one_row_per_server_and_view(table):
    """Four rows: wsgiref with one thread, wsgiref threaded, Daphne async, Daphne sync."""
    assert [(row["server"], row["interface"], row["view"]) for row in table] == ROWS


@pytest.mark.live
def test_compare_rows_count_every_request(table):
    """Each row answered all of its requests."""
    assert [row["requests"] for row in table] == [str(REQUESTS)] * 4


@pytest.mark.live
def test_single_threaded_wsgi_never_overlaps(table):
    """wsgiref with one thread handles one request at a time."""
    assert table[0]["most in flight"] == "1"


@pytest.mark.live
def test_single_threaded_wsgi_uses_one_thread(table):
    """wsgiref with one thread runs every request on that one thread."""
    assert table[0]["threads used"] == "1"


@pytest.mark.live
def test_threaded_wsgi_uses_a_thread_per_request(table):
    """ThreadingMixIn starts a thread for every connection."""
    assert table[1]["threads used"] == str(REQUESTS)


@pytest.mark.live
def test_daphne_async_view_uses_one_thread(table):
    """Under Daphne, every async request runs on the event loop's one thread."""
    assert table[2]["threads used"] == "1"


@pytest.mark.live
def test_daphne_sync_view_uses_a_thread_per_request(table):
    """Under Daphne, Django gives every sync request a thread of its own."""
    assert table[3]["threads used"] == str(REQUESTS)


@pytest.mark.live
def test_daphne_is_stopped_when_interrupted():
    """Ctrl-C (KeyboardInterrupt) inside the block still stops the Daphne child process."""
    with pytest.raises(KeyboardInterrupt), compare.serving_daphne(128) as port:
        raise KeyboardInterrupt
    assert refuses_connections(port)


@pytest.mark.live
def test_wsgiref_is_stopped_when_interrupted():
    """Ctrl-C (KeyboardInterrupt) inside the block still closes the wsgiref server."""
    with pytest.raises(KeyboardInterrupt), compare.serving_wsgi(True, 128) as port:
        raise KeyboardInterrupt
    assert refuses_connections(port)


@pytest.mark.parametrize("option, value", [("--delay", "6"), ("--delay", "-1")])
def test_compare_refuses_a_delay_outside_0_to_5(capsys, option, value):
    """A delay the views would refuse is refused on the command line, with a sentence."""
    with pytest.raises(SystemExit):
        compare.parse_args([option, value])
    assert f"{value} is not from 0 to 5" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_compare_refuses_a_delay_that_is_not_finite(capsys, value):
    """nan and inf parse as floats but are refused."""
    with pytest.raises(SystemExit):
        compare.parse_args(["--delay", value])
    assert f"{value} is not from 0 to 5" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "501", "ten"])
def test_compare_refuses_a_request_count_outside_1_to_500(capsys, value):
    """--requests takes a whole number from 1 to 500."""
    with pytest.raises(SystemExit):
        compare.parse_args(["--requests", value])
    assert "--requests" in capsys.readouterr().err
