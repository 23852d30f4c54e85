"""Step 7's README terminal session (curl and `course.py ws`) prints what the README shows.

The session needs a running step 7, so test_commands.py cannot run it: its block says
`<!-- not run: … tests_course/test_api_session.py … -->`. This serves step 7 as `course.py run 7`
would (migrate, demo users, a Redis of its own, runserver) on a free port, with a throwaway
database, then runs the block's `$ ` lines in one shell from the top of the repository (so
`TOKEN=…` carries from line to line), and compares what each printed with the lines under it,
once ports, dates and the token's key are normalised.
"""

import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

from coursekit.processes import free_port, send, start_server, wait_all, wait_for_port
from coursekit.prose import ROOT, blocks
from coursekit.regen_outputs import learner_env, normalise

STEP = ROOT / "step07_api"
README = STEP / "README.md"
THIS = "tests_course/test_api_session.py"
SHOWN_PORT = "127.0.0.1:8000"
# A token's key: 40 hex digits, different on every run.
KEY = (re.compile(r"\b[0-9a-f]{40}\b"), "<key>")
MARK = "@@@ command {} @@@"

pytestmark = pytest.mark.slow


def sessions():
    """(block, [(command, expected lines)]) for each console block this module runs."""
    found = []
    for block in blocks(README) if README.is_file() else []:
        kind, reason = block.marker()
        if block.lang != "console" or kind != "not run" or THIS not in (reason or ""):
            continue
        steps = []
        for line in block.lines:
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        found.append((block, steps))
    return found


def comparable(text):
    """TEXT with what varies from run to run replaced, as regen_outputs does, and the key."""
    return normalise(KEY[0].sub(KEY[1], text))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Step 7 on a free port with its demo data and a Redis of its own; yields 127.0.0.1:PORT."""
    if not shutil.which("redis-server"):
        message = "step 7's session needs redis-server on PATH (sudo apt-get install redis-server)"
        if os.environ.get("COURSE_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    env = learner_env(tmp_path_factory.mktemp("step07") / "db.sqlite3")
    processes = []
    try:
        redis_port = free_port()
        command = ["redis-server", "--port", redis_port, "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        redis = start_server(command, STEP, stdout=subprocess.DEVNULL)
        processes.append(redis)
        assert wait_for_port(redis_port, redis, seconds=10), "redis-server did not start"
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        for args in (["migrate", "--noinput"], ["demo_users"]):
            manage = [sys.executable, "manage.py", *args]
            subprocess.run(manage, cwd=STEP, env=env, check=True, capture_output=True)
        port = free_port()
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        server = start_server(
            command, STEP, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        processes.insert(0, server)  # stopped before its Redis
        assert wait_for_port(port, server, seconds=30), "step 7's server did not start"
        yield f"127.0.0.1:{port}", env
    finally:
        # Not coursekit's stop(), which makes this process ignore Ctrl-C from then on.
        for signum in (signal.SIGTERM, signal.SIGKILL):
            for process in processes:
                send(process, signum)
            wait_all(processes, 10)


def run_session(steps, site, env):
    """Run the commands of STEPS in one shell from the top; what each printed, in order."""
    script = []
    for number, (command, _) in enumerate(steps):
        script.append(f"echo '{MARK.format(number)}'")
        script.append(command.replace(SHOWN_PORT, site) + " 2>&1")
    result = subprocess.run(
        ["sh", "-c", "\n".join(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = re.split(r"@@@ command \d+ @@@\n", result.stdout)[1:]
    return printed, result


def test_the_readme_has_a_session_to_run():
    """Step 7's README shows a terminal session that this module runs (none would check nothing)."""
    assert [steps for _, steps in sessions() if steps]


@pytest.mark.parametrize("block, steps", sessions(), ids=[block.where for block, _ in sessions()])
def test_session_prints_what_the_readme_shows(served, block, steps):
    """Each command of the session, run against a live step 7, prints the lines under it."""
    site, env = served
    printed, result = run_session(steps, site, env)
    assert len(printed) == len(steps), (
        f"the session stopped early:\n{result.stdout}\n{result.stderr}"
    )
    for (command, expected), output in zip(steps, printed, strict=True):
        assert comparable(output) == comparable("\n".join(expected)), f"$ {command}"
