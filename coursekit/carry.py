"""`carry`: apply the change made to one step's file to every later step that had the old copy.

The old version is the file at git HEAD. A later step whose copy was byte for byte the old
version gets the new one; a later step whose copy had diverged is left alone, and named.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from coursekit.steps import ROOT, relative, steps


def head_version(path):
    """The bytes of PATH (a file under the root) at git HEAD, or None when HEAD has none."""
    command = ["git", "show", f"HEAD:./{relative(path)}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True)
    return result.stdout if result.returncode == 0 else None


def step_and_path(path):
    """(the step folder, the path inside it) of PATH; exit with a sentence if it is in none."""
    full = Path(path).resolve()
    for step in steps():
        if full.is_relative_to(step) and full != step:
            return step, full.relative_to(step).as_posix()
    sys.exit(f"{path} is not a file inside a step, such as step04_auth/chat/static/chat/room.js.")


def what_happens(copy, old, new):
    """What carrying OLD -> NEW does to COPY (a later step's file), doing it; None if diverged."""
    if not copy.is_file():
        return "has no copy of the file: nothing to do"
    now = copy.read_bytes()
    if now == new:
        return "already has the new version"
    if now != old:
        return None
    copy.write_bytes(new)
    return "carried"


def cmd_carry(args):
    """Carry the change to a step's file (against git HEAD) into the later steps' copies."""
    if not shutil.which("git"):
        sys.exit("`carry` uses git (the old version is the one at HEAD); install git first.")
    step, inside = step_and_path(args.path)
    source = step / inside
    old = head_version(source)
    if old is None:
        sys.exit(
            f"{relative(source)} is not in git HEAD: `carry` carries a change to a file git has."
        )
    if not source.is_file():
        sys.exit(f"{relative(source)} is gone: `carry` carries a change, not a removal.")
    new = source.read_bytes()
    if new == old:
        print(f"{relative(source)} is as it is at git HEAD: there is no change to carry.")
        return 0
    later = [each for each in steps() if each.name > step.name]
    print(f"The change to {inside} in {step.name} (against git HEAD), in the steps after it:")
    width = max((len(each.name) for each in later), default=0)
    diverged = []
    for each in later:
        happened = what_happens(each / inside, old, new)
        if happened is None:
            diverged.append(each)
            happened = "had diverged from the old version: left alone"
        print(f"  {each.name:<{width}}  {happened}")
    if not later:
        print("  (none: it is the last step)")
    if diverged:
        names = ", ".join(each.name for each in diverged)
        shown = f"git diff HEAD -- {relative(source)}"
        print(f"Carry it into {names} by hand: `{shown}` shows the change.")
        return 1
    return 0
