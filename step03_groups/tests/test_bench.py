"""bench_burst.py, run the way the README shows (with a small burst, so it is quick)."""

import subprocess
import sys

from tests.conftest import STEP_DIR


def run_bench(*args):
    """Run bench_burst.py inside the step folder; return the finished process."""
    return subprocess.run(
        [sys.executable, "bench_burst.py", *args],
        cwd=STEP_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bench_delivers_a_small_burst_in_full_with_the_step_settings():
    """2 clients, 1 sender, 5 messages: the step's layer delivers all 10 frames."""
    output = run_bench("--clients", "2", "--senders", "1", "--messages", "5").stdout
    step_line = next(line for line in output.splitlines() if line.startswith("this step"))
    assert step_line.split()[-4:-2] == ["10", "0"]


def test_bench_refuses_more_senders_than_clients():
    """--senders above --clients is refused with a sentence, not a traceback."""
    result = run_bench("--clients", "2", "--senders", "3")
    assert (result.returncode, "cannot be more than --clients" in result.stderr) == (2, True)


def test_bench_refuses_zero_clients():
    """--clients 0 is refused with a sentence, not a traceback."""
    result = run_bench("--clients", "0")
    assert (result.returncode, "must be at least 1" in result.stderr) == (2, True)
