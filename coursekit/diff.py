"""`diff`: what changed from step A to step B, the README's file list, then the full diff."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from coursekit.steps import STEP_IGNORE, find_step
from coursekit.what_changed import table_rows


def print_changes(old, new, heading, tests=True):
    """Print HEADING, then the rows of a README's "What changed" table from OLD to NEW."""
    rows = [row for row in table_rows(old, new) if tests or not row[0].startswith("tests/")]
    if rows:
        print(heading)
        width = max(len(change) for _, change in rows)
        for path, change in rows:
            print(f"  {change:<{width}}  {path}")
    return rows


def cmd_diff(args):
    """Show what changed from step A to step B: the README's file list, then the full diff."""
    old, new = find_step(args.a), find_step(args.b)
    if not shutil.which("git"):
        sys.exit("`diff` uses git (git diff --no-index); install git first.")
    heading = f"What changed from {old.name} to {new.name} (as in the README's table):"
    if print_changes(old, new, heading):
        print(flush=True)
    # Copies without caches and databases, named like the originals so the paths read the same.
    with tempfile.TemporaryDirectory() as tmp:
        for step in {old, new}:
            shutil.copytree(step, Path(tmp, step.name), ignore=STEP_IGNORE)
        command = ["git", "diff", "--no-index", "--stat", "--patch", old.name, new.name]
        code = subprocess.run(command, cwd=tmp).returncode
    # git diff --no-index exits 1 when the folders differ, which is what we expect.
    return 0 if code in (0, 1) else code
