#!/usr/bin/env python3
"""Prove every gradable exercise: its tests fail on the step and pass with its solution.

For each exercises/stepNN_name/ that holds a solution.patch and test_*.py files, this copies
stepNN_name/ to a temporary folder, copies the exercise's tests into its tests/, and runs them
with pytest there (they must fail), then applies solution.patch (a unified diff against the step
folder) and runs them again (they must pass). With --full it also runs the step's own fast tests
on the patched copy, so a solution that breaks the step is caught too.

    .venv/bin/python exercises/verify.py            # every gradable exercise
    .venv/bin/python exercises/verify.py 3 5        # steps 3 and 5 only
    .venv/bin/python exercises/verify.py --full     # and each step's fast tests, patched

Prints one line per exercise and exits non-zero when any exercise fails.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXERCISES = Path(__file__).resolve().parent
ROOT = EXERCISES.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
FAST = "not live and not browser"
COPY_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", "db.sqlite3*"
)


def gradable():
    """(step folder, exercise folder) for every exercise folder with a patch and tests."""
    found = []
    for folder in sorted(EXERCISES.glob("step*_*")):
        if (folder / "solution.patch").exists() and list(folder.glob("test_*.py")):
            found.append((ROOT / folder.name, folder))
    return found


def pytest(copy, *args):
    """Run pytest in the copy; return its exit code and the last line it printed."""
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    process = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = process.stdout.strip().splitlines() or ["(no output)"]
    return process.returncode, lines[-1], process.stdout + process.stderr


def apply_patch(copy, patch):
    """Apply a patch to the copy with git apply (the copy is not inside any repository)."""
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(copy.parent)}
    process = subprocess.run(
        ["git", "apply", "--whitespace=nowarn", str(patch)],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    return process.returncode, process.stderr.strip()


def verify(step, exercise, full):
    """Check one exercise; return a list of problems (empty when it is proven)."""
    tests = sorted(exercise.glob("test_*.py"))
    names = [f"tests/{test.name}" for test in tests]
    with tempfile.TemporaryDirectory(prefix=f"verify-{step.name}-") as tmp:
        copy = Path(tmp, step.name)
        shutil.copytree(step, copy, ignore=COPY_IGNORE)
        for test in tests:
            shutil.copy(test, copy / "tests" / test.name)
        code, last, output = pytest(copy, *names)
        if code != 1:
            return [f"on the untouched step pytest should fail (exit 1), got {code}: {last}"]
        code, error = apply_patch(copy, exercise / "solution.patch")
        if code:
            return [f"solution.patch does not apply: {error}"]
        code, last, output = pytest(copy, *names)
        if code:
            return [f"with solution.patch the exercise tests fail: {last}\n{output}"]
        if full:
            code, last, output = pytest(copy, "-m", FAST)
            if code:
                return [f"with solution.patch the step's fast tests fail: {last}\n{output}"]
    return []


def parser():
    """The command line: optional step numbers, --full."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("steps", nargs="*", help="step numbers (default: every step)")
    parser.add_argument("--full", action="store_true", help="also run the step's fast tests")
    return parser


def main(argv):
    """Verify the chosen exercises; exit 1 when any of them fails."""
    args = parser().parse_args(argv)
    wanted = {f"step{int(number):02}" for number in args.steps}
    chosen = [
        (step, exercise)
        for step, exercise in gradable()
        if not wanted or step.name.split("_")[0] in wanted
    ]
    if not chosen:
        print("No gradable exercise found.")
        return 1
    failures = 0
    for step, exercise in chosen:
        label = f"{exercise.name}: {', '.join(t.name for t in sorted(exercise.glob('test_*.py')))}"
        problems = verify(step, exercise, args.full)
        if problems:
            failures += 1
            print(f"FAIL {label}")
            for problem in problems:
                print(f"     {problem}")
        else:
            also = " (and the step's fast tests)" if args.full else ""
            print(f"PASS {label}: fails on the step, passes with solution.patch{also}")
    print(f"{len(chosen) - failures} of {len(chosen)} exercises proven.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
