"""`course.py diff A B`: the files that changed, then the diff, without caches or databases."""

import pytest


@pytest.fixture
def course(fake):
    """Two steps that differ in one file, with caches and a database lying around."""
    fake.step("step01_a", {"chat/consumers.py": "ECHO = True\n", "db.sqlite3": "one"})
    fake.step("step02_b", {"chat/consumers.py": "ECHO = False\n", "db.sqlite3": "two"})
    (fake.root / "step02_b" / "__pycache__").mkdir()
    (fake.root / "step02_b" / "__pycache__" / "x.pyc").write_text("cache")
    return fake


def test_differences_exit_0(course):
    """Unlike `git diff --no-index`, finding differences is a success."""
    assert course.course("diff", "1", "2").returncode == 0


def test_stat_comes_first(course):
    """The output opens with the changed files and their counts."""
    first = course.course("diff", "1", "2").stdout.splitlines()[0]
    assert "chat/consumers.py" in first and "| 2 +-" in first


def test_full_diff_follows(course):
    """The changed lines are shown."""
    assert "+ECHO = False" in course.course("diff", "1", "2").stdout


def test_caches_and_databases_are_left_out(course):
    """__pycache__ and db.sqlite3 are not part of the lesson."""
    output = course.course("diff", "1", "2").stdout
    assert "__pycache__" not in output and "db.sqlite3" not in output


def test_a_step_against_itself_is_empty(course):
    """No differences, no output."""
    assert course.course("diff", "1", "step01_a").stdout == ""
