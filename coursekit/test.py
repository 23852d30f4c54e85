"""`test`: each step's tests in a pytest of its own, then one summary table and a totals line."""

import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from coursekit.processes import start, stop
from coursekit.steps import find_step, steps

FAST = "not live and not browser"
PYTEST_EXIT = {
    2: "was interrupted",
    3: "hit an internal error",
    4: "was given arguments it does not understand",
    5: "collected no tests",
}


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
