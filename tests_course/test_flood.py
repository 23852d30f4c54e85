"""bench/flood.py, one user's flood beside another user's messages, run once with small sizes."""

import shutil
import subprocess
import sys

import pytest

from tests_course.test_attack import ROOT, unavailable

SMALL = ["--sockets", "2", "--flood", "100", "--seconds", "2", "--rate", "5"]


@pytest.fixture(scope="module")
def report():
    """What `python bench/flood.py` printed with small sizes, its three rows by case."""
    if not shutil.which("redis-server"):
        unavailable("redis-server is not on PATH: apt-get install redis-server")
    command = [sys.executable, "bench/flood.py", *SMALL]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = result.stdout.splitlines()[2:]
    return {row[:26].strip(): row for row in rows}


@pytest.mark.slow
def test_flood_report_has_a_row_for_each_case(report):
    """It prints one row for each of its three cases."""
    assert list(report) == [
        "nobody floods, limits on",
        "ada floods, limits on",
        "ada floods, no limits",
    ]


@pytest.mark.slow
def test_every_message_of_grace_comes_back_while_nobody_floods(report):
    """With nobody flooding, all 10 of grace's messages come back, none missing."""
    assert report["nobody floods, limits on"][26:].split()[0] == "10"
    assert report["nobody floods, limits on"].split()[-1] == "0"


@pytest.mark.slow
def test_the_limit_refuses_the_flood_and_closes_it_with_4429(report):
    """With the limits on, ada's frames are refused with rate_limited and her sockets closed."""
    assert "rate_limited, sockets 4429" in report["ada floods, limits on"]
    assert " 0 rate_limited" not in report["ada floods, limits on"]


@pytest.mark.slow
def test_without_limits_nothing_is_refused(report):
    """With the limits out of reach, none of ada's frames is refused."""
    assert " 0 rate_limited" in report["ada floods, no limits"]


@pytest.mark.slow
def test_no_run_logs_a_traceback(report):
    """No server of the three logs a traceback."""
    assert not any("traceback" in row for row in report.values())
