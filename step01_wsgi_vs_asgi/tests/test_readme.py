"""The README shows real code and compare.py's real table."""

import re

import compare
import pytest

from tests.helpers import STEP_DIR

README = (STEP_DIR / "README.md").read_text(encoding="utf-8")
# A caption names a file by its path from the top of the repository, starting with this step.
# Files a run or a test leaves behind, not part of the step.
LEFT_OUT = {"__pycache__", ".pytest_cache", ".ruff_cache", "db.sqlite3", "db.sqlite3-journal"}
EXCERPT = re.compile(r"<!-- file: [^/]+/(?P<path>\S+) -->\n```\w*\n(?P<code>.*?)```", re.S)


@pytest.mark.parametrize(
    "path, code", [m.group("path", "code") for m in EXCERPT.finditer(README)] or [("", "")]
)
def test_readme_excerpt_is_a_verbatim_part_of_its_file(path, code):
    """Every captioned excerpt in the README appears, as is, in the file its caption names."""
    assert code and code in (STEP_DIR / path).read_text(encoding="utf-8")


def test_readme_tables_have_the_columns_compare_prints():
    """Each table in the README has exactly the columns of compare.py's table."""
    headers = [line for line in README.splitlines() if line.startswith("| server ")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in headers]
    assert cells and all(tuple(row) == compare.COLUMNS for row in cells)


def test_readme_lists_every_file_of_the_step():
    """The "What changed" table names every file in this folder, and no file that is missing."""
    table = README.split("## What changed", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    listed = set(re.findall(r"`([^`]+)`", " ".join(first_cells)))
    present = {
        path.relative_to(STEP_DIR).as_posix()
        for path in STEP_DIR.rglob("*")
        if path.is_file() and not LEFT_OUT & set(path.relative_to(STEP_DIR).parts)
    }
    assert listed == present - {"README.md"}
