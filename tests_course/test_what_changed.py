"""Each step README's "What changed" table is the real diff from the step before, with a why."""

import subprocess
import sys
from itertools import pairwise

import pytest

from coursekit.prose import ROOT
from coursekit.steps import steps
from coursekit.what_changed import TODO, changed_files, main, read_table, table_rows

STEPS = steps()
PAIRS = [pytest.param(old, new, id=new.name) for old, new in pairwise(STEPS)]
README = """# Step 02

## What changed
| File | Change | Why |
|---|---|---|
| `gone.py` | removed | Said long ago. |
| `same.py` | changed | Kept as written. |

See it yourself.
"""


def table(step):
    """STEP's table as (path, change, why) rows."""
    path = step / "README.md"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} does not exist yet")
    return read_table(path.read_text(encoding="utf-8"))


def make(folder, files):
    """Write {relative path: text} under FOLDER."""
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    return folder


@pytest.mark.parametrize("old, new", PAIRS)
def test_table_is_the_real_diff(old, new):
    """The table lists exactly the files that were added, changed or removed, in path order."""
    listed = [(path, change) for path, change, _ in table(new)]
    real = table_rows(old, new)
    said, done = dict(listed), dict(real)
    problems = [
        *(f"missing: {path} ({change})" for path, change in real if path not in said),
        *(f"extra: {path} ({change})" for path, change in listed if path not in done),
        *(
            f"wrong: {path} is {done[path]}, not {change}"
            for path, change in listed
            if path in done and done[path] != change
        ),
    ]
    if problems:
        pytest.fail(
            f"stale table (`python3 -m coursekit.what_changed {new.name[4:6]} --write` "
            "rewrites it):\n" + "\n".join(problems)
        )
    assert listed == real, "the rows are right but not in path order"


@pytest.mark.parametrize("old, new", PAIRS)
def test_every_row_says_why(old, new):
    """No row of the table is without a why, or still waiting for one."""
    unsaid = [path for path, _, why in table(new) if not why or why == TODO]
    assert not unsaid, f"rows without a why: {', '.join(unsaid)}"


def test_changed_files_finds_each_kind_of_change(tmp_path):
    """Added, changed and removed files; a file that did not change is not listed."""
    old = make(tmp_path / "a", {"same.py": "1", "edited.py": "1", "gone.py": "1"})
    new = make(tmp_path / "b", {"same.py": "1", "edited.py": "2", "new.py": "1"})
    assert changed_files(old, new) == [
        ("edited.py", "changed"),
        ("gone.py", "removed"),
        ("new.py", "added"),
    ]


def test_a_whole_new_or_gone_folder_is_one_row(tmp_path):
    """A folder only one step has is one row; a new file in a kept folder is its own row."""
    old = make(tmp_path / "a", {"bare/x.py": "1", "bare/y/z.py": "1", "chat/a.py": "1"})
    new = make(tmp_path / "b", {"chat/a.py": "1", "chat/m/0001.py": "1", "chat/b.py": "1"})
    assert changed_files(old, new) == [
        ("bare/", "removed"),
        ("chat/b.py", "added"),
        ("chat/m/", "added"),
    ]


def test_what_runs_leave_behind_is_not_a_change(tmp_path):
    """Caches, compiled files and databases are left out."""
    old = make(tmp_path / "a", {"db.sqlite3": "1"})
    leftovers = ["__pycache__/x.pyc", ".pytest_cache/v", ".ruff_cache/v", "db.sqlite3-wal", "y.pyc"]
    new = make(tmp_path / "b", {"db.sqlite3": "2", **dict.fromkeys(leftovers, "1")})
    assert changed_files(old, new) == []


def test_the_readme_is_not_a_row(tmp_path):
    """Every step's README changes; the table on it does not list it."""
    old = make(tmp_path / "a", {"README.md": "1"})
    new = make(tmp_path / "b", {"README.md": "2"})
    assert (changed_files(old, new), table_rows(old, new)) == ([("README.md", "changed")], [])


@pytest.fixture
def course(tmp_path, monkeypatch):
    """Two steps in a throwaway repository, the second with a README table to rewrite."""
    make(tmp_path / "step01_a", {"gone.py": "1", "same.py": "1", "kept.py": "1"})
    make(tmp_path / "step02_b", {"same.py": "2", "kept.py": "1", "new.py": "1"})
    make(tmp_path / "step02_b", {"README.md": README})
    monkeypatch.setattr("coursekit.steps.ROOT", tmp_path)
    return tmp_path


def test_write_keeps_each_why_and_asks_for_new_ones(course):
    """`--write` rewrites the table: old whys stay, new rows say TODO, the rest stays as it was."""
    main(["02", "--write"])
    text = (course / "step02_b" / "README.md").read_text()
    assert text == README.replace(
        "| `same.py` | changed | Kept as written. |",
        f"| `new.py` | added | {TODO} |\n| `same.py` | changed | Kept as written. |",
    )


def test_without_write_it_prints_the_table(course, capsys):
    """Without `--write` the README is untouched and the table is printed."""
    main(["2"])
    assert "| `new.py` | added | TODO: say why |" in capsys.readouterr().out
    assert (course / "step02_b" / "README.md").read_text() == README


def test_it_runs_as_a_script():
    """`python3 -m coursekit.what_changed 03` works from the top of the repository."""
    command = [sys.executable, "-m", "coursekit.what_changed", "03"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.startswith("| File | Change | Why |\n")
