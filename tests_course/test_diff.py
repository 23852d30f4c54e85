"""`course.py diff A B`: the README table's rows, then the diff, without caches or databases."""

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


def test_readme_table_rows_come_first(course):
    """The output opens with the files a README's "What changed" table lists, and their change."""
    lines = course.course("diff", "1", "2").stdout.splitlines()
    assert lines[:2] == [
        "What changed from step01_a to step02_b (as in the README's table):",
        "  changed  chat/consumers.py",
    ]


def test_stat_follows_the_table_rows(course):
    """After the table's rows and a blank line: git's summary, the file and its line counts."""
    lines = course.course("diff", "1", "2").stdout.splitlines()
    assert lines[2] == "" and "chat/consumers.py" in lines[3] and "| 2 +-" in lines[3]


def test_rows_are_those_of_the_real_tables(course):
    """The rows come from coursekit.what_changed, as the READMEs' tables do: none for README.md."""
    (course.root / "step02_b" / "README.md").write_text("# Step 02\n")
    (course.root / "step02_b" / "extra.py").write_text("")
    lines = course.course("diff", "1", "2").stdout.splitlines()
    assert lines[1:3] == ["  changed  chat/consumers.py", "  added    extra.py"]


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
