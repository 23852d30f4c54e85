"""Regenerate the output that READMEs show learners, by running the command that printed it.

A fenced block under `<!-- output: FOLDER: COMMAND -->` holds what COMMAND prints (its standard
output; add `2>&1` to the command for its errors too) when run inside FOLDER the way a learner
runs it: through `sh`, with the project's virtualenv first on PATH, and with a fresh temporary
database (DJANGO_DB_PATH), so nothing is left in the step.

    python3 -m coursekit.regen_outputs            # rewrite the blocks that are stale
    python3 -m coursekit.regen_outputs --check    # show the stale blocks as diffs; change nothing
    python3 -m coursekit.regen_outputs --force step01_wsgi_vs_asgi/README.md   # rewrite them all

Numbers that vary from run to run (timings, ports, dates) are normalised before comparing, by
the expressions in NORMALISE; a block is stale only when it differs after that. A block that is
not stale is left as it is, so the README's figures keep matching the prose that quotes them.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from coursekit.prose import ROOT, blocks, pages, relative

VENV_BIN = ROOT / ".venv" / "bin"
TIMEOUT = 600
# (what varies, pattern, replacement), applied in this order to the README's block and to fresh
# output alike.
NORMALISE = [
    ("compare.py's wall time", r"\b\d+\.\d+ s\b", "<seconds> s"),
    ("bench/load.py --compare's last column, seconds", r"(?m)%(\s+)\d+\.\d+$", r"%\1<seconds>"),
    (
        # How much of a burst the library's default layer drops depends on thread timing;
        # step03's tests/test_capacity.py checks that it drops most of one.
        "bench/load.py --compare's library-default row",
        r"(?m)^(library default \{\})\s+\d+\s+\d+\s+\d+\.\d%",
        r"\1 <delivered> <lost> <lost %>",
    ),
    ("ports picked at run time", r"\b(127\.0\.0\.1|localhost):\d+\b", r"\1:<port>"),
    ("process ids", r"\bpid \d+\b", "pid <pid>"),
    (
        "dates and times",
        r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?",
        "<date-time>",
    ),
    ("this checkout's path", re.escape(str(ROOT)), "<repo>"),
    ("temporary folders", re.escape(tempfile.gettempdir()) + r"/[^\s:'\"]+", "<tmp>"),
    ("table rules, as wide as their column", r"-{3,}", "---"),
    ("padding, as wide as the widest number", r"[ \t]+", " "),
]


def normalise(text):
    """TEXT with what varies from run to run replaced by placeholders."""
    for _, pattern, replacement in NORMALISE:
        text = re.sub(pattern, replacement, text)
    return text.strip()


def learner_env(db_path):
    """The environment a learner's shell has: the virtualenv active, and a throwaway database."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "PYTEST_ADDOPTS", "DJANGO_SETTINGS_MODULE", "PYTHONHOME")
    }
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV_BIN.parent)
    env["DJANGO_DB_PATH"] = str(db_path)
    return env


def run_shown(command, folder, db_dir, **options):
    """Run COMMAND as a learner types it, inside FOLDER (from the top of the repository)."""
    return subprocess.run(
        ["sh", "-c", command],
        cwd=ROOT / folder,
        env=learner_env(Path(db_dir) / "db.sqlite3"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        **options,
    )


def fresh_output(folder, command):
    """What COMMAND prints now inside FOLDER, trailing spaces and blank lines dropped; stderr."""
    with tempfile.TemporaryDirectory() as db_dir:
        result = run_shown(command, folder, db_dir)
    lines = result.stdout.strip("\n").splitlines()
    return "\n".join(line.rstrip() for line in lines), result.stderr


def output_blocks(page):
    """The (block, folder, command) of every `<!-- output: FOLDER: COMMAND -->` block on PAGE."""
    found = []
    for block in blocks(page):
        kind, value = block.marker()
        if kind == "output":
            folder, _, command = value.partition(": ")
            found.append((block, folder, command))
    return found


def stale(block, fresh):
    """The diff between BLOCK and FRESH output once normalised, or "" when they agree."""
    shown, now = normalise("\n".join(block.lines)), normalise(fresh)
    if shown == now:
        return ""
    diff = difflib.unified_diff(
        shown.splitlines(), now.splitlines(), "README (normalised)", "fresh (normalised)"
    )
    return "\n".join(line.rstrip("\n") for line in diff)


def rewrite(page, replacements):
    """Put new lines into PAGE's blocks: {opening fence line: lines}."""
    lines = Path(page).read_text(encoding="utf-8").splitlines()
    for block in sorted((b for b in blocks(page) if b.line in replacements), key=lambda b: -b.line):
        lines[block.line : block.line + len(block.lines)] = replacements[block.line].splitlines()
    Path(page).write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None):
    """Rewrite the stale output blocks (or, with --check, only show them)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", type=Path, help="Markdown pages (default: all)")
    parser.add_argument("--check", action="store_true", help="show stale blocks; change nothing")
    parser.add_argument("--force", action="store_true", help="rewrite blocks that are not stale")
    args = parser.parse_args(argv)
    found_stale = False
    for page in [path.resolve() for path in args.pages] or pages():
        replacements = {}
        for block, folder, command in output_blocks(page):
            print(f"{block.where}: {command} (in {folder}) ...", flush=True)
            fresh, errors = fresh_output(folder, command)
            diff = stale(block, fresh)
            if diff and errors:
                print(errors, file=sys.stderr)
            found_stale = found_stale or bool(diff)
            print(diff or "  up to date", flush=True)
            if (diff or args.force) and not args.check:
                replacements[block.line] = fresh
        if replacements:
            rewrite(page, replacements)
            print(f"Rewrote {len(replacements)} block(s) in {relative(page)}.")
    return 1 if args.check and found_stale else 0


if __name__ == "__main__":
    sys.exit(main())
