#!/usr/bin/env python3
"""The course's helper: run a step, test the steps, diff two steps, talk to a WebSocket, and
the workshop mode: start a step on a copy of the step before, then check that copy with its tests.

Standard library only: it runs before any virtualenv exists. Commands that need Django or
websockets first make `.venv` from pyproject.toml (once, and again when pyproject.toml changes),
then run again inside it.
"""

import argparse
import ast
import contextlib
import hashlib
import http.cookiejar
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import venv
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from tools.what_changed import IGNORED, table_rows

ROOT = Path(__file__).resolve().parent
PYPROJECT = ROOT / "pyproject.toml"
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".course-stamp"
WORKSHOP = ROOT / "workshop"
EXERCISES = ROOT / "exercises"

DEFAULT_STEP = "3"
# Pages worth opening first, found by the template that serves them: (template, path, what).
PAGES = [
    ("chat/templates/chat/room.html", "chat/lobby/", "a chat room"),
    ("chat/templates/chat/inbox.html", "inbox/", "your private messages"),
]
# The heading of the section of a step's README that says what its tests check.
CONTRACT = "## Contract"
REDIS_STEP = "step06_redis"
DEMO_USERS = Path("accounts", "management", "commands", "demo_users.py")
FAST = "not live and not browser"
# What runs and tests leave in a step: never copied, never part of a diff.
STEP_IGNORE = shutil.ignore_patterns(*IGNORED)
PYTEST_EXIT = {
    2: "was interrupted",
    3: "hit an internal error",
    4: "was given arguments it does not understand",
    5: "collected no tests",
}
# How `check` words a test's sentence for a learner: the tests say DESIGN, the design page the
# course is built from; a learner has the step README's Contract section instead.
LEARNER_WORDS = [
    (r"\bthe DESIGN's\b", "the contract's"),
    (r"\bthe DESIGN\b", "the contract's"),
    (r"\bDESIGN's\b", "the contract's"),
    (r"\bDESIGN\b", "the contract"),
]
CASES_LEGEND = (
    "(N cases): one behaviour tried on N inputs, all failing; (2 of 5 cases): 2 of its 5 fail."
)
REDIS_HELP = (
    "Step 6 needs Redis, and there is no redis-server on PATH and no REDIS_URL set. Start one: "
    "`docker compose up -d redis` in step06_redis, or install it (Debian/Ubuntu: "
    "`sudo apt-get install redis-server`; macOS: `brew install redis`), or set REDIS_URL."
)


# Steps -------------------------------------------------------------------------------------


def steps():
    """Every step folder that exists, in order."""
    return sorted(path for path in ROOT.glob("step[0-9][0-9]_*") if path.is_dir())


def find_step(name):
    """The step folder NAME means: `3`, `03`, `step03` or the folder name `step03_groups`."""
    name = Path(name).name
    number = re.fullmatch(r"(?:step)?(\d{1,2})", name)
    for folder in steps():
        if folder.name == name or (number and int(number[1]) == int(folder.name[4:6])):
            return folder
    known = ", ".join(folder.name for folder in steps()) or "none yet"
    sys.exit(f"There is no step {name!r}. The steps here are: {known}.")


# Set-up: .venv -----------------------------------------------------------------------------


def requirements():
    """The runtime and test dependencies that pyproject.toml lists."""
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["test"]


def pyproject_hash():
    """What the install stamp holds: the hash of the pyproject.toml it was made from."""
    return hashlib.sha256(PYPROJECT.read_bytes()).hexdigest()


def bootstrap():
    """Make or refresh .venv if pyproject.toml changed since, then run this command inside it."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not (STAMP.exists() and STAMP.read_text().strip() == pyproject_hash()):
        install()
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(ROOT / "course.py"), *sys.argv[1:]])


def install():
    """Create .venv if needed and pip install the course's dependencies into it, saying so."""
    print(
        "Setting up .venv with the dependencies in pyproject.toml (once; again when it changes)",
        flush=True,
    )
    if not VENV_PYTHON.exists():
        print("Creating .venv (a few seconds)...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except subprocess.CalledProcessError:
            shutil.rmtree(VENV, ignore_errors=True)
            sys.exit(
                "Could not create .venv: this Python has no ensurepip "
                "(Debian/Ubuntu: `sudo apt-get install python3-venv`, then try again)."
            )
    elif subprocess.run([VENV_PYTHON, "-m", "pip", "--version"], capture_output=True).returncode:
        # A .venv made without pip (as `uv sync` makes it) gets one.
        subprocess.run([VENV_PYTHON, "-m", "ensurepip"], capture_output=True)
    packages = requirements()
    print(
        f"Installing the {len(packages)} packages pyproject.toml lists, and what they need, "
        "into .venv (about a minute the first time)...",
        flush=True,
    )
    pip = [VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar=off"]
    code, output = run_showing_progress([*pip, *packages])
    if code:
        print(output, file=sys.stderr)
        sys.exit("pip install into .venv failed (its output is above).")
    STAMP.write_text(pyproject_hash() + "\n")
    print("Installed. From now on each command starts at once.", flush=True)


def run_showing_progress(command):
    """Run pip, showing each package it collects as it goes; return (exit code, its output)."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    output, collected = [], 0
    for line in process.stdout:
        output.append(line)
        if line.startswith("Collecting "):
            collected += 1
            name = line.split()[1]
            if sys.stdout.isatty():
                print(f"\r\033[K  collecting {collected}: {name}", end="", flush=True)
            else:
                print(f"  collecting {name}", flush=True)
        elif line.startswith("Installing collected packages"):
            ending = "\r\033[K" if sys.stdout.isatty() else ""
            print(f"{ending}  installing the {collected} collected (the long part)...", flush=True)
    return process.wait(), "".join(output)


# Child processes ---------------------------------------------------------------------------


def start(command, cwd, **options):
    """Start a command in a folder, showing it as a learner would type it there."""
    command = [str(part) for part in command]
    shown = ["python", *command[1:]] if command[0] == sys.executable else command
    print(f"[{cwd.name}] {shlex.join(shown)}", flush=True)
    return subprocess.Popen(command, cwd=cwd, **options)


def start_server(command, cwd, **options):
    """Start a server in a process group of its own, for stop() to signal as a whole."""
    # Ctrl-C then reaches course.py alone, which stops each server and whatever it started (the
    # autoreloader's child) the same way, even when course.py was started with SIGINT ignored.
    return start(command, cwd, process_group=0, stdin=subprocess.DEVNULL, **options)


def manage(step, *args):
    """Run a management command in a step and wait for it; exit if it fails."""
    code = start([sys.executable, "manage.py", *args], step).wait()
    if code:
        sys.exit(f"`manage.py {' '.join(args)}` failed in {step.name} (exit code {code}).")


def wait_all(processes, seconds):
    """Wait up to SECONDS in all for the processes to exit."""
    deadline = time.monotonic() + seconds
    for process in processes:
        try:
            process.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass


def send(process, signum):
    """Signal a child that is still running; a child that leads a process group, all of it."""
    with contextlib.suppress(ProcessLookupError):
        if process.poll() is None and os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signum)
        elif process.poll() is None:
            process.send_signal(signum)


def stop(processes, grace):
    """Stop children: give them GRACE seconds to finish what Ctrl-C started, then signal them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    wait_all(processes, grace)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        for process in processes:
            send(process, signum)
        wait_all(processes, 5)
    for process in processes:
        # A labelled server's last lines (what it said as it stopped) are still being printed.
        if getattr(process, "relay", None):
            process.relay.join(timeout=5)


def interrupt(signum, frame):
    """Treat SIGTERM like Ctrl-C, so that children are stopped the same way."""
    raise KeyboardInterrupt


# run ---------------------------------------------------------------------------------------


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port):
    """Whether something accepts connections on 127.0.0.1:PORT."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port, process, seconds=30):
    """Wait until something accepts connections on PORT; False if PROCESS exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if listening(port):
            return True
        time.sleep(0.1)
    return False


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
        sys.exit(REDIS_HELP)
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
    """Start the step's server(s): one runserver, or two processes sharing Redis for step 6.

    PROCESSES gets the servers; SERVICES what they use, a Redis of our own, to stop after them.
    """
    site = f"http://127.0.0.1:{port}/"
    if step.name != REDIS_STEP:
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
        print(
            f"\nopen {site} and http://127.0.0.1:{port + 1}/ in two tabs\n"
            "(cookies are per host, not per port: to be two users at once, open the second in "
            f"a private window, or as http://localhost:{port + 1}/). Ctrl-C stops everything.\n"
            "On either, /chat/lobby/ is a chat room and /inbox/ your private messages. Each "
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
    for port in [args.port, args.port + 1] if step.name == REDIS_STEP else [args.port]:
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


# test --------------------------------------------------------------------------------------


@dataclass
class StepResult:
    """What one step's pytest run counted."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    problem: str = ""


def read_junit(path, result):
    """Fill RESULT's counts from pytest's JUnit XML report, if pytest wrote one."""
    if not path.exists():
        return
    root = ElementTree.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    tests, failures, errors, skipped = (
        int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")
    )
    result.failed = failures + errors
    result.skipped = skipped
    result.passed = tests - result.failed - skipped


def test_step(step, pytest_args):
    """Run one step's tests with pytest inside the step folder, streaming its output."""
    print(f"\n=== {step.name} ===", flush=True)
    result = StepResult(step.name)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "junit.xml")
        command = [sys.executable, "-m", "pytest", f"--junitxml={report}", *pytest_args]
        process = start(command, step)
        try:
            code = process.wait()
        except KeyboardInterrupt:
            stop([process], grace=30)
            raise
        read_junit(report, result)
    result.seconds = time.monotonic() - started
    if code and not result.failed:
        result.failed = 1
        reason = PYTEST_EXIT.get(code, "failed")
        result.problem = f"{step.name}: pytest {reason} (exit code {code})."
    return result


def totals_line(results):
    """The last line of `test`: `N passed, N failed`, and `, N skipped` when any were."""
    passed = sum(result.passed for result in results)
    failed = sum(result.failed for result in results)
    skipped = sum(result.skipped for result in results)
    line = f"{passed} passed, {failed} failed"
    return line + (f", {skipped} skipped" if skipped else "")


def print_summary(results):
    """Print one row per step, the sentences for steps that broke, then the totals line."""
    width = max([len("step"), *(len(result.name) for result in results)])
    header = ("step", "passed", "failed", "skipped", "seconds")
    rows = [(r.name, r.passed, r.failed, r.skipped, f"{r.seconds:.1f}") for r in results]
    print()
    for cells in [header, *rows]:
        print(f"{cells[0]:<{width}}" + "".join(f"{cell:>9}" for cell in cells[1:]))
    for result in results:
        if result.problem:
            print(result.problem)
    print(totals_line(results))


def cmd_test(args):
    """Run each step's tests in its own process, then print a summary of all of them."""
    selected = [find_step(name) for name in args.steps] or steps()
    pytest_args = (["-m", FAST] if args.fast else []) + args.pytest_args
    results = []
    try:
        for step in selected:
            results.append(test_step(step, pytest_args))
    except KeyboardInterrupt:
        print("\nInterrupted.")
        return 130
    print_summary(results)
    return 1 if any(result.failed for result in results) else 0


# diff --------------------------------------------------------------------------------------


def print_changes(old, new, heading, tests=True):
    """Print HEADING, then the rows of a README's "What changed" table from OLD to NEW."""
    rows = [row for row in table_rows(old, new) if tests or not row[0].startswith("tests/")]
    if rows:
        print(heading)
        width = max(len(change) for _, change in rows)
        for path, change in rows:
            print(f"  {change:<{width}}  {path}")
    return rows


def cmd_diff(args):
    """Show what changed from step A to step B: the README's file list, then the full diff."""
    old, new = find_step(args.a), find_step(args.b)
    if not shutil.which("git"):
        sys.exit("`diff` uses git (git diff --no-index); install git first.")
    heading = f"What changed from {old.name} to {new.name} (as in the README's table):"
    if print_changes(old, new, heading):
        print(flush=True)
    # Copies without caches and databases, named like the originals so the paths read the same.
    with tempfile.TemporaryDirectory() as tmp:
        for step in {old, new}:
            shutil.copytree(step, Path(tmp, step.name), ignore=STEP_IGNORE)
        command = ["git", "diff", "--no-index", "--stat", "--patch", old.name, new.name]
        code = subprocess.run(command, cwd=tmp).returncode
    # git diff --no-index exits 1 when the folders differ, which is what we expect.
    return 0 if code in (0, 1) else code


# start -------------------------------------------------------------------------------------


def step_number(step):
    """The number of a step folder: 3 for step03_groups."""
    return int(step.name[4:6])


def step_before(step):
    """The step folder before STEP; exit with a sentence for the first step."""
    folders = steps()
    index = folders.index(step)
    if index == 0:
        sys.exit(
            f"There is no step before {step.name} to build on: `start` takes a step from "
            f"{step_number(folders[1])} to {step_number(folders[-1])}."
        )
    return folders[index - 1]


def plain(markdown):
    """Markdown links as their text, and lines joined: `[Routing](../notes/03.md)` is `Routing`."""
    return " ".join(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown).split())


def lesson(step):
    """From STEP's README: its title, what it adds, what you will learn, and the notes to read."""
    text = (step / "README.md").read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    title = paragraphs[0].removeprefix("# ").strip()
    opening = re.sub(r"^This step begins where .*? left off\.\s*", "", plain(paragraphs[1]))
    section = text.split("## What you will learn\n", 1)[1].split("\n## ", 1)[0]
    bullets = [item for item in re.split(r"(?m)^- ", section) if item.strip()]
    reads = [item for item in bullets if item.startswith("Read:")]
    links = re.findall(r"\[([^\]]+)\]\(([^)]+)\)", " ".join(reads))
    notes = [(name, os.path.normpath(Path(step.name, target))) for name, target in links]
    return title, opening, [plain(item) for item in bullets if item not in reads], notes


def contract_place(step):
    """Where STEP's contract is, as `step03_groups/README.md, section "Contract"`, or None."""
    readme = step / "README.md"
    if not readme.is_file() or f"\n{CONTRACT}\n" not in readme.read_text(encoding="utf-8"):
        return None
    return f'{readme.relative_to(ROOT).as_posix()}, section "{CONTRACT.removeprefix("## ")}"'


def contract_pointer(step):
    """The paragraph `start` prints about the step's contract: what it holds, and where."""
    place = contract_place(step)
    if place is None:
        return f"Step {step_number(step)}'s tests are the contract: `check` runs them."
    return textwrap.fill(
        f"The contract: the URLs, frames, error codes, close codes and names step "
        f"{step_number(step)}'s tests use, each with what it means, are in {place}. Build to "
        "it, without reading the tests, and `check` passes.",
        100,
    )


def own_modules(step):
    """The names of STEP's own top-level packages (chat, config, accounts), tests aside."""
    return {path.parent.name for path in step.glob("*/__init__.py")} - {"tests"}


def defined(step, module, name):
    """Whether MODULE (dotted) exists in STEP, and defines or imports NAME at its top level."""
    path = step.joinpath(*module.split("."))
    source = path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"
    if not source.is_file():
        return False
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return name is None or name in names


def names_used(step):
    """The (module, name) pairs STEP's tests import from its own code, and the commands they run."""
    own = own_modules(step)
    commands = {path.stem for path in step.glob("*/management/commands/[!_]*.py")}
    imported, called = set(), set()
    for test in step.glob("tests/*.py"):
        for node in ast.walk(ast.parse(test.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in own:
                imported.update((node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update((a.name, None) for a in node.names if a.name.split(".")[0] in own)
            elif isinstance(node, ast.Constant) and node.value in commands:
                called.add(node.value)
    return imported, called


def print_names(step, before):
    """Print the names STEP's tests use that the copy of BEFORE does not have yet."""
    imported, called = names_used(step)
    missing = sorted(
        f"{module}.{name}" if name else module
        for module, name in imported
        if not defined(before, module, name)
    )
    commands = sorted(name for name in called if not list(before.glob(f"*/*/commands/{name}.py")))
    if missing or commands:
        print("\nThe tests use these names from your code, so build them under these names:")
        for name in missing:
            print(f"  {name}")
        for name in commands:
            print(f"  python manage.py {name}  (a management command)")


def cmd_start(args):
    """Copy the step before step N into workshop/, then say what to build and what to read."""
    step = find_step(args.step)
    before = step_before(step)
    number, copy = step_number(step), WORKSHOP / step.name
    shown = copy.relative_to(ROOT)
    if copy.exists() and not args.force:
        sys.exit(
            f"{shown} already exists: carry on in it, or `python3 course.py start {number} "
            f"--force` to replace it with a fresh copy of {before.name} (your changes are lost)."
        )
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(before, copy, ignore=STEP_IGNORE)
    title, opening, bullets, notes = lesson(step)
    print(f"Made {shown}: a copy of {before.name} for you to turn into step {number}.\n")
    print(f"{title}\n{textwrap.fill(opening, 100)}\n\nWhat you will learn:")
    for bullet in bullets:
        print(textwrap.fill(bullet, 100, initial_indent="- ", subsequent_indent="  "))
    print("\nRead:")
    for name, path in notes:
        print(f"- {name}: {path}")
    print(f"\n{contract_pointer(step)}")
    heading = f"\nThe files step {number} adds, changes or removes (its tests come with check):"
    print_changes(before, step, heading, tests=False)
    print_names(step, before)
    print(
        f"\nNext, with the course's .venv active (`. .venv/bin/activate`):\n  cd {shown}\n"
        "  python manage.py migrate && python manage.py runserver\n"
        f"and from the top of the repository, for what still fails and a score:\n"
        f"  python3 course.py check {number}"
    )
    return 0


# check -------------------------------------------------------------------------------------


@dataclass
class Behaviour:
    """One sentence a test module checks (a test's docstring), and how its cases went."""

    module: str
    sentence: str
    cases: int = 0
    failed: int = 0
    skips: list = field(default_factory=list)


def first_line(docstring):
    """The first line of a docstring, or "" for none."""
    return (docstring or "").strip().split("\n")[0].strip()


def marks(node):
    """The names of the pytest marks in a decorator list or a `pytestmark = ...` value."""
    found = set()
    for each in ast.walk(node):
        if isinstance(each, ast.Attribute) and isinstance(each.value, ast.Attribute):
            if each.value.attr == "mark":
                found.add(each.attr)
    return found


def read_module(path):
    """A test module's docstring, and {test function: (sentence, marks)} from its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_marks = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            module_marks |= marks(node.value)
    tests = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            sentence = first_line(ast.get_docstring(node)) or node.name
            tests[node.name] = (sentence, module_marks.union(*map(marks, node.decorator_list)))
    return first_line(ast.get_docstring(tree)), tests


def grading_copy(learner, step, folder, exercise):
    """Make FOLDER: the learner's files with STEP's tests, pytest.ini and README (+ EXERCISE's)."""

    def ignore(directory, names):
        """Leave out caches, databases and virtualenvs; and at the top, the learner's tests."""
        left_out = set(STEP_IGNORE(directory, names)) | ({".venv"} & set(names))
        if Path(directory) == learner:
            left_out |= {"tests", "pytest.ini", "README.md"} & set(names)
        return left_out

    shutil.copytree(learner, folder, ignore=ignore)
    # The README too: the live tests compare its terminal session with what the server prints.
    shutil.copytree(step / "tests", folder / "tests", ignore=STEP_IGNORE)
    for name in ("pytest.ini", "README.md"):
        shutil.copy(step / name, folder / name)
    targets = []
    for test in sorted(exercise.glob("test_*.py")) if exercise else []:
        shutil.copy(test, folder / "tests" / test.name)
        targets.append(f"tests/{test.name}")
    return targets


def run_tests(folder, targets, everything, log):
    """Run pytest in FOLDER on TARGETS (default: its tests), its output into LOG; the exit code."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    command += ["--continue-on-collection-errors", f"--junitxml={folder / 'junit.xml'}"]
    command += ([] if everything else ["-m", FAST]) + targets
    env = {**os.environ, "DJANGO_DB_PATH": str(folder.parent / "db.sqlite3")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=output, stderr=output)
        try:
            return process.wait()
        except KeyboardInterrupt:
            stop([process], grace=30)
            raise


def module_path(classname, folder):
    """tests/test_chat.py for the JUnit classname tests.test_chat (or tests.test_chat.TestX)."""
    parts = classname.split(".")
    while len(parts) > 1 and not folder.joinpath(*parts[:-1], parts[-1] + ".py").is_file():
        parts.pop()
    return "/".join(parts) + ".py"


def error_line(text, folder):
    """A traceback's exception as one line, with the place in the learner's code it came from."""
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    line = (lines or [line for line in text.splitlines() if line.strip()] or ["(no output)"])[-1]
    line = re.sub(r"^(ModuleNotFoundError|ImportError): ", "", line)
    line = re.sub(r" \((/|[A-Z]:\\)[^)]*\)$", "", line)
    # Frames look like `File "/tmp/x/chat/views.py", line 3` or `chat/views.py:3: in <module>`.
    frames = re.findall(r'(?m)File "([^"]+)", line (\d+)|^([^\s:]+\.py):(\d+): in ', text)
    for absolute, number, relative, other in reversed(frames):
        path = Path(absolute or relative)
        path = path.relative_to(folder) if path.is_relative_to(folder) else path
        if not path.is_absolute() and path.parts[0] != "tests" and (folder / path).is_file():
            return f"{line} ({path.as_posix()}, line {number or other})"
    return line


def expected(step, message):
    """What STEP has that MESSAGE says is missing, as " — step 3 expects chat/rooms.py", or ""."""
    module = re.match(r"No module named '([\w.]+)'", message)
    name = re.match(r"cannot import name '(\w+)' from '([\w.]+)'", message)
    dotted = module[1] if module else name[2] if name else None
    path = step.joinpath(*dotted.split(".")) if dotted else None
    if path and path.with_suffix(".py").is_file():
        where = path.relative_to(step).as_posix() + ".py"
    elif path and path.is_dir():
        where = path.relative_to(step).as_posix() + "/"
    else:
        return ""
    what = f"{name[1]} in {where}" if name else where
    return f" — step {step_number(step)} expects {what}"


def grade(folder, report, everything):
    """The behaviours in FOLDER's JUnit REPORT, and {module: why it could not load}."""
    behaviours, unloaded, modules = {}, {}, {}

    def behaviour(module, sentence):
        """The Behaviour for MODULE's SENTENCE, made the first time it is asked for."""
        return behaviours.setdefault((module, sentence), Behaviour(module, sentence))

    for case in ElementTree.parse(report).getroot().iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        problems = [child for child in case if child.tag in ("failure", "error")]
        skips = [child.get("message", "") for child in case if child.tag == "skipped"]
        if not classname:  # a module that could not be collected
            unloaded[name.replace(".", "/") + ".py"] = error_line(problems[0].text or "", folder)
            continue
        module = module_path(classname, folder)
        if module not in modules:
            modules[module] = read_module(folder / module)
        sentence = modules[module][1].get(name.split("[")[0], (name,))[0]
        each = behaviour(module, sentence)
        each.cases += 1
        each.failed += bool(problems)
        each.skips += [] if problems else skips
    for module in unloaded:
        for sentence, found in read_module(folder / module)[1].values():
            if everything or not found & {"live", "browser"}:
                behaviour(module, sentence).failed = 1
    headings = {module: docstring for module, (docstring, _) in modules.items()}
    return list(behaviours.values()), unloaded, headings


def behaviour_count(count):
    """`1 behaviour`, `2 behaviours`."""
    return f"{count} behaviour" + ("s" if count != 1 else "")


def in_learner_words(sentence):
    """A test's sentence as a learner reads it: the design page they lack is the contract."""
    for pattern, replacement in LEARNER_WORDS:
        sentence = re.sub(pattern, replacement, sentence)
    return sentence


def print_grades(step, behaviours, unloaded, headings, contract=True):
    """Print each failing behaviour as a sentence under its module, then the skips and the score.

    CONTRACT: whether the tests are the step's own, whose sentences its contract holds.
    """
    failing = [each for each in behaviours if each.failed and each.module not in unloaded]
    for module in sorted({each.module for each in failing} | set(unloaded)):
        if module in unloaded:
            count = sum(each.module == module for each in behaviours)
            why = unloaded[module] + expected(step, unloaded[module])
            print(f"\n{module} could not load: {why} ({behaviour_count(count)} not checked)")
            continue
        print(f"\n{module}: {in_learner_words(headings.get(module) or 'its tests')}")
        for each in (each for each in failing if each.module == module):
            cases = f"{each.failed} of {each.cases}" if each.failed < each.cases else each.failed
            sentence = in_learner_words(each.sentence)
            print(f"  - {sentence}" + (f" ({cases} cases)" if each.cases > 1 else ""))
    place = contract_place(step) if contract else None
    if (failing or unloaded) and place:
        print(f"\nEach sentence is a behaviour of step {step_number(step)}'s contract: {place}.")
    if any(each.cases > 1 for each in failing):
        print(CASES_LEGEND)
    skipped = [each for each in behaviours if each.skips and not each.failed]
    for reason in dict.fromkeys(each.skips[0] for each in skipped):
        count = sum(each.skips[0] == reason for each in skipped)
        print(f"\nNot checked ({behaviour_count(count)} skipped): {reason}")
    passed = sum(not each.failed and not each.skips for each in behaviours)
    print(f"\nScore: {passed} of {len(behaviours)} behaviours pass")
    return passed == len(behaviours)


def gradable_exercise(step):
    """The exercises/ folder that holds STEP's gradable exercise tests; exit if it has none."""
    folder = EXERCISES / step.name
    if not list(folder.glob("test_*.py")):
        sys.exit(f"{step.name} has no gradable exercise (no tests in exercises/{step.name}/).")
    return folder


def cmd_check(args):
    """Run step N's tests on a copy of the learner's work: failing behaviours, then a score."""
    step = find_step(args.step)
    number = step_number(step)
    learner = Path(args.path).resolve() if args.path else WORKSHOP / step.name
    if not (learner / "manage.py").is_file():
        sys.exit(
            f"{learner} is not a step to check (it has no manage.py): make one with "
            f"`python3 course.py start {number}`, or name yours with --path."
        )
    exercise = gradable_exercise(step) if args.exercises else None
    handle, log = tempfile.mkstemp(prefix=f"course-check-{step.name}-", suffix=".log")
    os.close(handle)
    log = Path(log)
    which = "all the tests" if args.all else "the fast tests"
    which += f" of step {number}'s gradable exercise" if exercise else f" of step {number}"
    print(f"Checking {args.path or learner.relative_to(ROOT)} with {which}...", flush=True)
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        folder = Path(tmp, step.name)
        targets = grading_copy(learner, step, folder, exercise)
        code = run_tests(folder, targets, args.all, log)
        report = folder / "junit.xml"
        if not report.is_file() or ElementTree.parse(report).find(".//testcase") is None:
            error = error_line(log.read_text(errors="replace"), folder)
            print(f"pytest could not run step {number}'s tests on it: {error}")
            print(f"pytest's own report: {log}")
            return 1
        behaviours, unloaded, headings = grade(folder, report, args.all)
    if print_grades(step, behaviours, unloaded, headings, not exercise) and code == 0:
        log.unlink()
        return 0
    print(f"pytest's own report, with the tracebacks: {log}")
    return 1


# ws ----------------------------------------------------------------------------------------


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Do not follow redirects: after a login POST, the redirect itself means success."""

    def redirect_request(self, *args, **kwargs):
        """Follow nothing."""
        return None


def cookie(jar, name):
    """The value of the cookie NAME in JAR, or None."""
    return next((each.value for each in jar if each.name == name), None)


def login(site, credentials):
    """Log in through the site's login form, like a browser; return the session cookie."""
    username, _, password = credentials.partition(":")
    url = f"{site}/accounts/login/"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), KeepRedirects)
    try:
        opener.open(url, timeout=10).close()
        form = {"username": username, "password": password}
        form["csrfmiddlewaretoken"] = cookie(jar, "csrftoken") or ""
        data = urllib.parse.urlencode(form).encode()
        opener.open(urllib.request.Request(url, data, {"Referer": url}), timeout=10).close()
    except urllib.error.HTTPError as error:
        if error.code != 302:
            sys.exit(f"Could not log in at {url}: HTTP {error.code} {error.reason}.")
    except urllib.error.URLError as error:
        sys.exit(f"Could not reach {url}: {error.reason}.")
    session = cookie(jar, "sessionid")
    if not session:
        sys.exit(f"Logging in as {username!r} at {url} failed: wrong username or password?")
    return session


def send_lines(connection, end_of_input):
    """Send every line typed on stdin as a text frame; set END_OF_INPUT after the last one."""
    from websockets.exceptions import ConnectionClosed

    try:
        for line in sys.stdin:
            connection.send(line.rstrip("\n"))
    except ConnectionClosed:
        pass
    end_of_input.set()


def print_frames(connection, end_of_input):
    """Print frames until the connection closes, closing it a second after input ends."""
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            try:
                message = connection.recv(timeout=1)
            except TimeoutError:
                # After Ctrl-D, or the end of piped input, answers may still be on their way.
                if end_of_input.is_set():
                    connection.close()
                continue
            print(f"< {message}" if isinstance(message, str) else f"< {message!r}", flush=True)
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else 1006
        reason = f" ({closed.rcvd.reason})" if closed.rcvd and closed.rcvd.reason else ""
        print(f"Connection closed with code {code}{reason}.")


def refusal(status, path, origin, logged_in):
    """The sentences that say a handshake was refused, and for a 403 why it may have been."""
    sentence = (
        f"The server refused the handshake with HTTP {status} "
        f"(Origin sent: {origin}; logged in: {'yes' if logged_in else 'no'})."
    )
    if status == 403:
        login = "" if logged_in else ", or, from step 4 on, need a login: --login USER:PASSWORD"
        sentence += (
            f"\nThe running step may have no route for {path} (its README's Contract lists its "
            "URLs), or refuse this Origin (it takes only its own scheme, host and port)"
            f"{login}."
        )
    return sentence


def cmd_ws(args):
    """Talk to a WebSocket: lines typed are sent as text frames, frames received are printed."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = urllib.parse.urlsplit(args.url)
    if url.scheme not in ("ws", "wss") or not url.hostname:
        sys.exit(f"{args.url!r} is not a WebSocket URL; it looks like ws://127.0.0.1:8000/ws/echo/")
    site = f"{'https' if url.scheme == 'wss' else 'http'}://{url.netloc.rpartition('@')[2]}"
    origin = args.origin or site
    if args.login and ":" not in args.login:
        sys.exit(f"--login takes USER:PASSWORD, such as ada:ada-demo-password; not {args.login!r}.")
    headers = {"Cookie": f"sessionid={login(site, args.login)}"} if args.login else {}
    try:
        connection = connect(args.url, origin=origin, additional_headers=headers)
    except InvalidStatus as error:
        sys.exit(refusal(error.response.status_code, url.path, origin, args.login))
    except OSError as error:
        sys.exit(f"Could not connect to {args.url}: {error}. Is the step running?")
    end_of_input = threading.Event()
    with connection:
        print(f"Connected to {args.url} (Origin: {origin}). Type a line to send it; Ctrl-D quits.")
        threading.Thread(target=send_lines, args=(connection, end_of_input), daemon=True).start()
        try:
            print_frames(connection, end_of_input)
        except KeyboardInterrupt:
            pass
    return 0


# Command line ------------------------------------------------------------------------------


def parser():
    """The command line: one subcommand per thing a learner does."""
    top = argparse.ArgumentParser(
        prog="python3 course.py",
        description="Run, test and compare the steps of Real-time Django, step by step.",
    )
    top.add_argument(
        "--no-venv",
        action="store_true",
        help="use the Python running this script as it is, instead of making and using .venv",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="migrate a step and serve it on 127.0.0.1 (default: 3)")
    run.add_argument("step", nargs="?", default=DEFAULT_STEP, help="3, 03 or step03_groups")
    run.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000)")
    run.set_defaults(handler=cmd_run, needs_venv=True)

    test = commands.add_parser(
        "test",
        help="run the steps' tests, each step in its own process",
        epilog="Arguments after -- go to pytest, e.g. `test 3 -- -x -k room`.",
    )
    test.add_argument("steps", nargs="*", help="steps to test (default: all)")
    test.add_argument("--fast", action="store_true", help=f'only the fast tests: -m "{FAST}"')
    test.set_defaults(handler=cmd_test, needs_venv=True)

    diff = commands.add_parser("diff", help="show what changed between two steps")
    diff.add_argument("a", help="the earlier step, e.g. 2")
    diff.add_argument("b", help="the later step, e.g. 3")
    diff.set_defaults(handler=cmd_diff, needs_venv=False)

    start = commands.add_parser(
        "start", help="workshop: copy step N-1 into workshop/ to build step N on (N = 2 to 6)"
    )
    start.add_argument("step", help="the step to build, e.g. 3")
    start.add_argument("--force", action="store_true", help="replace an existing copy")
    start.set_defaults(handler=cmd_start, needs_venv=False)

    check = commands.add_parser(
        "check", help="workshop: run step N's tests on your copy; what fails, and a score"
    )
    check.add_argument("step", help="the step your copy should now be, e.g. 3")
    check.add_argument("--path", help="your copy (default: workshop/stepNN_name)")
    check.add_argument("--all", action="store_true", help="the live and browser tests too")
    check.add_argument(
        "--exercises", action="store_true", help="only the tests of the step's gradable exercise"
    )
    check.set_defaults(handler=cmd_check, needs_venv=True)

    ws = commands.add_parser("ws", help="talk to a WebSocket from the terminal")
    ws.add_argument("url", help="e.g. ws://127.0.0.1:8000/ws/echo/")
    ws.add_argument("--login", metavar="USER:PASSWORD", help="log in over HTTP first")
    ws.add_argument("--origin", help="Origin header to send (default: the URL's http(s) origin)")
    ws.set_defaults(handler=cmd_ws, needs_venv=True)
    return top


def main(argv):
    """Parse the command line, set up .venv if the command needs it, and run the command."""
    # This runs under whatever python3 the learner has, before any .venv exists.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"course.py needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    # Everything after `--` goes to pytest untouched.
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    args = parser().parse_args(argv)
    args.pytest_args = pytest_args
    if pytest_args and args.command != "test":
        sys.exit("Only `test` takes arguments after `--` (they go to pytest).")
    signal.signal(signal.SIGTERM, interrupt)
    try:
        if args.needs_venv and not args.no_venv:
            bootstrap()
        return args.handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
