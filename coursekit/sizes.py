"""`sizes`: the lines each step adds and removes from the step before, code apart from tests.

Markdown (the READMEs) is not counted. A file under tests/ counts as tests, one under a
migrations/ folder as migrations, any other as code. Lines are counted as difflib matches them.
"""

import difflib
from itertools import pairwise

from coursekit.steps import step_files, steps

KINDS = ("code", "tests", "migrations")
MINUS = "\N{MINUS SIGN}"


def kind(path):
    """Which column a step's file counts in: "tests", "migrations" or "code"; None for prose."""
    if path.endswith(".md"):
        return None
    if path.startswith("tests/"):
        return "tests"
    return "migrations" if "/migrations/" in f"/{path}" else "code"


def lines(path):
    """PATH's lines, or none when there is no such file or it is not text."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return []


def counted(old, new):
    """(added, removed): the lines it takes to turn file OLD into file NEW."""
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, lines(old), lines(new), autojunk=False)
    for tag, first, last, new_first, new_last in matcher.get_opcodes():
        if tag != "equal":
            removed += last - first
            added += new_last - new_first
    return added, removed


def sizes(old, new):
    """{kind: [added, removed]} from step folder OLD to step folder NEW."""
    totals = {each: [0, 0] for each in KINDS}
    for path in sorted(set(step_files(old)) | set(step_files(new))):
        if kind(path):
            added, removed = counted(old / path, new / path)
            totals[kind(path)][0] += added
            totals[kind(path)][1] += removed
    return totals


def cmd_sizes(args):
    """Print a table: for each step, the lines added and removed since the one before."""
    rows = [("from → to", *KINDS)]
    for old, new in pairwise(steps()):
        totals = sizes(old, new).values()
        rows.append((f"{old.name} → {new.name}", *(f"+{a} {MINUS}{r}" for a, r in totals)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(KINDS) + 1)]
    for row in rows:
        cells = [f"{cell:<{width}}" for cell, width in zip(row, widths, strict=True)]
        print("   ".join(cells).rstrip())
    return 0
