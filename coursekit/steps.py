"""The step folders: where the repository is, which steps it has, and the files of a step."""

import fnmatch
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What runs and tests leave behind in a step: never copied, never part of a diff or a table.
IGNORED = ("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".hypothesis", "db.sqlite3*")
STEP_IGNORE = shutil.ignore_patterns(*IGNORED)


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


def step_number(step):
    """The number of a step folder: 3 for step03_groups."""
    return int(step.name[4:6])


def step_files(folder):
    """Every file in FOLDER that is part of the step, as sorted paths relative to it."""
    folder = Path(folder)
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not ignored(path.relative_to(folder))
    )


def ignored(relative):
    """Whether a path inside a step is left behind by a run or a test, not part of the step."""
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in IGNORED)


def relative(path):
    """PATH relative to the repository's root, with forward slashes."""
    return Path(path).relative_to(ROOT).as_posix()
