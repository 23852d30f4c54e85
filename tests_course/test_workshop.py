"""Workshop mode: `start N` copies step N-1 for a learner; `check N` grades it with step N's tests.

The tests on fake steps show how `check` reports (a sentence per behaviour, a module that cannot
load, skips, the score) in a second or two each. The tests on the real steps prove what the
workshop promises for every N from 2 to 6: `check N` on an untouched copy of step N-1 fails with
readable sentences, and on a copy of step N passes. Those checks run each step's fast tests, so
they are marked slow, start together on two workers, slowest first, and each test waits for its
own run: the whole file takes about half as long as the runs one after the other.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from coursekit.check import CASES_LEGEND, in_learner_words
from coursekit.start import step_before
from coursekit.steps import ROOT, STEP_IGNORE, step_files, step_number, steps
from coursekit.what_changed import table_rows

STEPS = steps()[1:]
IDS = [step.name for step in STEPS]
WORKERS = 2
SCORE = re.compile(r"^Score: (\d+) of (\d+) behaviours pass$", re.M)


# Fake steps: how `check` and `start` report --------------------------------------------------

LEARNER_TESTS = {"tests/test_mine.py": 'def test_mine():\n    """My own test."""\n    assert 0\n'}
TESTS = {
    "tests/test_things.py": '''
        """What things.py holds."""

        import os

        import pytest

        import things


        def test_answer():
            """The answer is 42."""
            assert things.ANSWER == 42


        @pytest.mark.parametrize("word", ["a", "b", "c"])
        def test_word(word):
            """Each word is there."""
            assert word in things.WORDS


        def test_tool():
            """Something that needs a tool."""
            if os.environ.get("NO_TOOL"):
                pytest.skip("Install the tool: apt-get install tool")


        @pytest.mark.live
        def test_live():
            """A live behaviour."""
            assert things.LIVE
    ''',
    "tests/test_rooms.py": '''
        """Rooms."""

        from chat.rooms import NAME


        def test_name():
            """The room has a name."""
            assert NAME


        def test_name_is_short():
            """The room's name is short."""
            assert len(NAME) < 10
    ''',
}
README = """\
# Step 02: B

This step begins where [step01_a](../step01_a/) left off. It adds [the answer](../notes/x.md),
and rooms.

## What you will learn
- Why the answer
  is 42.
- Read: [Note X](../notes/x.md) and [Note Y](../notes/y.md#part).

## What changed

## Contract
- `things.ANSWER` is 42.
"""


@pytest.fixture
def fake_course(fake, monkeypatch):
    """step01_a, the learner's starting point, and step02_b, the answer, with its README."""
    # `check` keeps pytest's report in a temporary file when something fails: keep it here.
    (fake.root / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(fake.root / "tmp"))
    step = {"things.py": "ANSWER = 41\nWORDS = ['a']\n", "chat/__init__.py": ""}
    fake.step("step01_a", {**step, **LEARNER_TESTS, "db.sqlite3": "data"})
    answer = {"things.py": "ANSWER = 42\nWORDS = ['a', 'b', 'c']\nLIVE = True\n"}
    answer |= {"chat/__init__.py": "", "chat/rooms.py": "NAME = 'lobby'\n", **TESTS}
    fake.step("step02_b", answer)
    (fake.root / "step02_b" / "README.md").write_text(README)
    (fake.root / "step01_a" / "__pycache__").mkdir()
    (fake.root / "step01_a" / "__pycache__" / "things.pyc").write_text("cache")
    for step in ("step01_a", "step02_b"):
        (fake.root / step / "manage.py").write_text("")
    exercise = fake.root / "exercises" / "step02_b" / "test_extra.py"
    exercise.parent.mkdir(parents=True)
    exercise.write_text('import things\n\n\ndef test_extra():\n    """The extra is there."""\n')
    exercise.write_text(exercise.read_text() + "    assert things.EXTRA\n")
    return fake


@pytest.fixture
def untouched(fake_course):
    """`check 2` on step01_a, which is still as the learner got it."""
    return fake_course.course("check", "2", "--path", "step01_a")


def test_check_names_each_failing_behaviour(untouched):
    """A failing test is one sentence, its docstring, under its module's docstring."""
    assert (
        "\ntests/test_things.py: What things.py holds.\n  - The answer is 42.\n" in untouched.stdout
    )


def test_check_counts_failing_cases_of_one_behaviour(untouched):
    """Parametrized cases are one behaviour: one sentence, with how many of its cases fail."""
    assert "  - Each word is there. (2 of 3 cases)\n" in untouched.stdout


def test_check_says_in_one_sentence_why_a_module_could_not_load(untouched):
    """A module that cannot be imported is one sentence naming what is missing, no traceback."""
    sentence = (
        "tests/test_rooms.py could not load: No module named 'chat.rooms' — step 2 expects "
        "chat/rooms.py (2 behaviours not checked)"
    )
    assert sentence in untouched.stdout and "Traceback" not in untouched.stdout + untouched.stderr


def test_check_explains_the_cases_after_a_sentence(untouched):
    """One line says what "(2 of 3 cases)" means: a behaviour tried on several inputs."""
    assert f"\n{CASES_LEGEND}\n" in untouched.stdout


def test_check_says_where_the_contract_is(untouched):
    """After the sentences, one line names the README section that holds the step's contract."""
    expected = 'step 2\'s contract: step02_b/README.md, section "Contract".'
    assert expected in untouched.stdout


def test_check_words_the_design_as_the_contract():
    """A learner has no design page: a sentence that names DESIGN names the contract instead."""
    said = [
        in_learner_words("Each one gets the frame exactly as DESIGN says."),
        in_learner_words('bob gets the DESIGN\'s "private" frame.'),
        in_learner_words("Both receive the DESIGN frame."),
    ]
    assert said == [
        "Each one gets the frame exactly as the contract says.",
        'bob gets the contract\'s "private" frame.',
        "Both receive the contract's frame.",
    ]


def test_check_scores_behaviours_not_cases(untouched):
    """The score counts behaviours; a module that could not load counts all of its own."""
    assert SCORE.search(untouched.stdout).groups() == ("1", "5")


def test_check_fails_when_a_behaviour_fails(untouched):
    """Anything short of a full score exits 1."""
    assert untouched.returncode == 1


def test_check_runs_the_steps_tests_not_the_learners(untouched):
    """The copy's own tests/ is set aside: step N's tests decide."""
    assert "My own test." not in untouched.stdout


def test_check_runs_the_fast_tests_by_default(untouched):
    """Live and browser tests are left out unless --all is given."""
    assert "A live behaviour." not in untouched.stdout


def test_check_all_runs_the_live_tests_too(fake_course):
    """With --all the live tests are graded too."""
    result = fake_course.course("check", "2", "--path", "step01_a", "--all")
    assert "  - A live behaviour.\n" in result.stdout


def test_check_writes_nothing_into_the_learners_folder(fake_course):
    """The tests run on a copy: the learner's folder is as it was."""
    before = sorted(path for path in (fake_course.root / "step01_a").rglob("*"))
    fake_course.course("check", "2", "--path", "step01_a")
    assert sorted((fake_course.root / "step01_a").rglob("*")) == before


def test_check_passes_a_finished_copy(fake_course):
    """On a copy of the step itself: no sentence, a full score, exit 0."""
    result = fake_course.course("check", "2", "--path", "step02_b")
    assert (result.returncode, result.stdout.splitlines()[-1]) == (
        0,
        "Score: 5 of 5 behaviours pass",
    )


def test_check_says_which_behaviours_were_skipped_and_why(fake_course):
    """A skipped test is not a pass: the skip's reason is shown, and the score is not full."""
    result = fake_course.course("check", "2", "--path", "step02_b", env={"NO_TOOL": "1"})
    skipped = "Not checked (1 behaviour skipped): Install the tool: apt-get install tool"
    assert (skipped in result.stdout, result.returncode) == (True, 1)


def test_check_exercises_runs_only_the_exercise_tests(fake_course):
    """--exercises grades the step's gradable exercise alone."""
    result = fake_course.course("check", "2", "--path", "step01_a", "--exercises")
    assert "  - The extra is there.\n" in result.stdout and "The answer" not in result.stdout


def test_check_without_a_copy_says_how_to_make_one(fake_course):
    """With no workshop copy yet, `check` says to run `start` first."""
    result = fake_course.course("check", "2")
    assert result.returncode == 1 and "python3 course.py start 2" in result.stderr


def test_check_says_in_one_sentence_why_pytest_could_not_run(fake_course):
    """When the tests cannot start at all, one sentence says why, and where the report is."""
    conftest = fake_course.root / "step02_b" / "tests" / "conftest.py"
    conftest.write_text('"""Broken."""\nimport things\n\nthings.MISSING\n')
    result = fake_course.course("check", "2", "--path", "step01_a")
    sentence = "pytest could not run step 2's tests on it: AttributeError: module 'things' has no"
    assert sentence in result.stdout and "Traceback" not in result.stdout


def test_start_copies_the_step_before_without_caches_or_databases(fake_course):
    """workshop/step02_b is step01_a as it is in the repository, less what runs leave behind."""
    fake_course.course("start", "2")
    copy = fake_course.root / "workshop" / "step02_b"
    assert step_files(copy) == step_files(fake_course.root / "step01_a")
    assert not list(copy.glob("**/__pycache__")) and not (copy / "db.sqlite3").exists()


def test_start_says_what_to_build_from_the_readme(fake_course):
    """The README's title and opening (less "This step begins where"), its bullets, its notes."""
    output = fake_course.course("start", "2").stdout
    expected = "Step 02: B\nIt adds the answer, and rooms.\n\nWhat you will learn:\n"
    expected += (
        "- Why the answer is 42.\n\nRead:\n- Note X: notes/x.md\n- Note Y: notes/y.md#part\n"
    )
    assert expected in output


def test_start_says_where_the_contract_is(fake_course):
    """`start` names the README section that says what the tests check, and how to use it."""
    output = " ".join(fake_course.course("start", "2").stdout.split())
    assert 'are in step02_b/README.md, section "Contract". Build to it' in output


def test_start_lists_the_files_to_build(fake_course):
    """The rows of the README's What-changed table, less the tests (check brings those)."""
    output = fake_course.course("start", "2").stdout
    assert "  added    chat/rooms.py\n  changed  things.py\n" in output and "tests/" not in output


def test_start_lists_the_names_the_tests_import(fake_course):
    """What the step's tests import from its code, and the step before lacks, by its full name."""
    assert "\n  chat.rooms.NAME\n" in fake_course.course("start", "2").stdout


def test_start_gives_the_next_commands(fake_course):
    """cd into the copy, run it, and check it from the top."""
    output = fake_course.course("start", "2").stdout
    commands = ["cd workshop/step02_b", "python manage.py runserver", "python3 course.py check 2"]
    assert all(command in output for command in commands)


def test_start_refuses_to_overwrite_a_copy(fake_course):
    """A second `start` keeps the learner's work and says how to start again."""
    fake_course.course("start", "2")
    (fake_course.root / "workshop" / "step02_b" / "mine.py").write_text("work")
    result = fake_course.course("start", "2")
    assert result.returncode == 1 and "--force" in result.stderr
    assert (fake_course.root / "workshop" / "step02_b" / "mine.py").exists()


def test_start_force_makes_a_fresh_copy(fake_course):
    """--force replaces the copy with the step before, as it is."""
    fake_course.course("start", "2")
    (fake_course.root / "workshop" / "step02_b" / "mine.py").write_text("work")
    assert fake_course.course("start", "2", "--force").returncode == 0
    assert not (fake_course.root / "workshop" / "step02_b" / "mine.py").exists()


def test_start_refuses_the_first_step(fake_course):
    """Step 1 has no step before it: one sentence says which steps `start` takes."""
    result = fake_course.course("start", "1")
    assert result.returncode == 1 and "`start` takes a step from 2 to 2" in result.stderr


# The real steps --------------------------------------------------------------------------------


def docstrings(*paths):
    """The first docstring line of every test function in PATHS, as `check` words it."""
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.add(in_learner_words((ast.get_docstring(node) or "").split("\n")[0]))
    return found


def sentences(output):
    """The failing behaviours `check` printed, without their "(N cases)"."""
    return [
        re.sub(r" \((\d+ of )?\d+ cases\)$", "", line[4:])
        for line in output.splitlines()
        if line.startswith("  - ")
    ]


@pytest.fixture(scope="module")
def real_course(new_course, tmp_path_factory):
    """A course whose steps, notes and exercises are the real ones, with `start N` run for each N.

    The steps are linked, not copied, so `start` writes its copies into this course's workshop/,
    never into the repository's.
    """
    fake = new_course(tmp_path_factory.mktemp("course"))
    for name in [step.name for step in steps()] + ["notes", "exercises"]:
        (fake.root / name).symlink_to(ROOT / name)
    copies = fake.root / "copies"
    for step in STEPS:
        shutil.copytree(step, copies / step.name, ignore=STEP_IGNORE)
    fake.started = {step.name: fake.course("start", str(step_number(step))) for step in STEPS}
    return fake


def check(fake, *args):
    """Run `course.py check ARGS` in the course, as a learner would (with a longer time-out)."""
    command = [sys.executable, "course.py", "--no-venv", "check", *args]
    # The grading copies, and the reports `check` keeps when something fails, go in the course.
    (fake.root / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(fake.root / "tmp")}
    return subprocess.run(
        command, cwd=fake.root, env=env, capture_output=True, text=True, timeout=1800
    )


def verify():
    """Run exercises/verify.py in the repository: every solution passes its exercise's tests."""
    command = [sys.executable, "exercises/verify.py"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)


# The runs each slow test waits for.
WAITS_FOR = {
    "test_check_on_the_step_before_fails_in_sentences": ["before"],
    "test_check_on_the_step_passes": ["after"],
    "test_check_counts_the_same_behaviours_before_and_after": ["before", "after"],
    "test_check_exercises_on_the_untouched_step_fails": ["exercises"],
    "test_verify_proves_every_exercise": ["verify"],
}


def start_run(pool, fake, kind, step):
    """Start one run on POOL: `check` on the step before (made by `start`) or on the step."""
    if kind == "verify":
        return pool.submit(verify)
    number, copy = str(step_number(step)), str(fake.root / "copies" / step.name)
    args = {"before": [], "after": ["--path", copy], "exercises": ["--exercises", "--path", copy]}
    return pool.submit(check, fake, number, *args[kind])


def slowest_first(run):
    """Sort key: `check` on later steps first (they have more tests), then verify.py, exercises."""
    kind, step = run
    number = step_number(step) if step else 0
    return (kind in ("verify", "exercises"), kind != "verify", -number, kind)


@pytest.fixture(scope="module")
def runs(request, real_course):
    """{(kind, step): run} for every selected slow test here, started on two workers."""
    wanted = set()
    for item in request.session.items:
        step = item.callspec.params.get("step") if hasattr(item, "callspec") else None
        wanted.update((kind, step) for kind in WAITS_FOR.get(item.originalname, []))
    order = sorted(wanted, key=slowest_first)
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    yield {(kind, step): start_run(pool, real_course, kind, step) for kind, step in order}
    pool.shutdown(cancel_futures=True)


def fail_with(result):
    """A failure message that shows what the run printed."""
    return f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("step", STEPS, ids=IDS)
def test_start_copies_the_step_before(real_course, step):
    """`start N` makes workshop/stepNN_name, a copy of step N-1's files."""
    before = step_before(step)
    assert real_course.started[step.name].returncode == 0
    assert step_files(real_course.root / "workshop" / step.name) == step_files(before)


@pytest.mark.parametrize("step", STEPS, ids=IDS)
def test_start_names_the_steps_notes(real_course, step):
    """`start N` prints the README's title, and the path of every note it links before its table."""
    readme = (step / "README.md").read_text(encoding="utf-8")
    notes = re.findall(r"\(\.\./(notes/[^)#]+\.md)", readme.split("## What changed")[0])
    output = real_course.started[step.name].stdout
    assert notes and all(note in output for note in notes)
    assert readme.splitlines()[0].removeprefix("# ") in output


@pytest.mark.parametrize("step", STEPS, ids=IDS)
def test_start_lists_the_files_the_step_changes(real_course, step):
    """Every row of the README's What-changed table, tests aside, is in what `start N` prints."""
    output = real_course.started[step.name].stdout
    rows = [path for path, _ in table_rows(step_before(step), step)]
    assert all(path in output for path in rows if not path.startswith("tests/"))


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=IDS)
def test_check_on_the_step_before_fails_in_sentences(runs, step):
    """`check N` on the untouched copy `start N` made fails, each failure a test's docstring."""
    result = runs["before", step].result()
    said = sentences(result.stdout)
    assert result.returncode == 1 and said, fail_with(result)
    assert set(said) <= docstrings(*step.glob("tests/test_*.py")), fail_with(result)
    assert "Traceback" not in result.stdout + result.stderr, fail_with(result)


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=IDS)
def test_check_on_the_step_passes(runs, step):
    """`check N` on a copy of step N passes: no sentence, a full score, exit 0."""
    result = runs["after", step].result()
    score = SCORE.search(result.stdout)
    assert result.returncode == 0 and score and score[1] == score[2], fail_with(result)
    assert sentences(result.stdout) == [], fail_with(result)


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=IDS)
def test_check_counts_the_same_behaviours_before_and_after(runs, step):
    """The score is out of the same number on both copies, modules that could not load included."""
    before, after = (SCORE.search(runs[kind, step].result().stdout) for kind in ("before", "after"))
    assert before[2] == after[2]


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=IDS)
def test_check_exercises_on_the_untouched_step_fails(runs, step):
    """`check N --exercises` on step N as it is fails with the gradable exercise's sentences."""
    result = runs["exercises", step].result()
    exercise = docstrings(*(ROOT / "exercises" / step.name).glob("test_*.py"))
    said = sentences(result.stdout)
    assert result.returncode == 1 and said and set(said) <= exercise, fail_with(result)


@pytest.mark.slow
def test_verify_proves_every_exercise(runs):
    """exercises/verify.py: each gradable exercise fails on its step and passes with its patch."""
    result = runs["verify", None].result()
    assert result.returncode == 0, fail_with(result)


def test_every_step_after_the_first_has_a_gradable_exercise():
    """Each step from 2 to 6 has exercise tests for `check --exercises`, and a solution."""
    for step in STEPS:
        folder = ROOT / "exercises" / step.name
        assert list(folder.glob("test_*.py")) and (folder / "solution.patch").is_file(), step.name
