"""`check` (workshop): a step's tests on a learner's copy; failing behaviours, then a score."""

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.processes import stop
from coursekit.start import WORKSHOP, contract_place
from coursekit.steps import ROOT, STEP_IGNORE, find_step, step_number
from coursekit.test import FAST

EXERCISES = ROOT / "exercises"
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
