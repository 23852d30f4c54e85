"""What changed from one step to the next: the rows of a step README's "What changed" table.

Standard library only, so that course.py can import it before any virtualenv exists:

    from coursekit.what_changed import changed_files
    changed_files(Path("step03_groups"), Path("step04_auth"))
    # [("README.md", "changed"), ("accounts/", "added"), ("bench_burst.py", "removed"), ...]

From the command line, inside the repository:

    python3 -m coursekit.what_changed 04          # print step 4's table, from the real trees
    python3 -m coursekit.what_changed 04 --write  # rewrite the table in step04_auth/README.md

The table keeps each row's hand-written Why; a new row gets the Why "TODO: say why", which
tests_course/test_what_changed.py refuses until someone says why.
"""

import argparse
import re
import sys
from pathlib import Path

from coursekit.steps import relative, step_files, steps

# The README is the page the table is on: it changes from every step to the next.
NOT_IN_TABLE = {"README.md"}
TODO = "TODO: say why"
HEADING = "## What changed"
HEADER = ["| File | Change | Why |", "|---|---|---|"]
ROW = re.compile(r"^\|(?P<files>[^|]*)\|(?P<change>[^|]*)\|(?P<why>.*)\|\s*$")


def changed_files(old_dir, new_dir):
    """The sorted (path, "added" | "changed" | "removed") rows from OLD_DIR to NEW_DIR.

    A folder that only one of the two steps has is one row, its path ending in "/".
    """
    old, new = set(step_files(old_dir)), set(step_files(new_dir))
    rows = [(path, "added") for path in new - old] + [(path, "removed") for path in old - new]
    rows += [
        (path, "changed")
        for path in old & new
        if Path(old_dir, path).read_bytes() != Path(new_dir, path).read_bytes()
    ]
    return sorted(collapse(rows, old, new))


def collapse(rows, old, new):
    """Replace the rows of a folder that exists on one side only with one row for the folder."""
    collapsed = set()
    for path, change in rows:
        other = old if change == "added" else new
        folder = outermost_new_folder(path, other) if change != "changed" else None
        collapsed.add((folder, change) if folder else (path, change))
    return collapsed


def outermost_new_folder(path, other_files):
    """The outermost folder of PATH that holds no file of the other step, as "a/b/", or None."""
    parts = Path(path).parts[:-1]
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth]) + "/"
        if not any(each.startswith(prefix) for each in other_files):
            return prefix
    return None


def table_rows(old_dir, new_dir):
    """The rows a README's table must have: every change but the README's own."""
    rows = changed_files(old_dir, new_dir)
    return [(path, change) for path, change in rows if path not in NOT_IN_TABLE]


# The table in a README ------------------------------------------------------------------------


def table_span(text):
    """The (first, last + 1) line numbers of the "What changed" table's rows in TEXT."""
    lines = text.splitlines()
    start = lines.index(HEADING)
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("| File "))
    last = first
    while last < len(lines) and lines[last].startswith("|"):
        last += 1
    return first + 2, last


def read_table(text):
    """The table's rows in TEXT as (path, change, why), one per path named in the first cell."""
    first, last = table_span(text)
    rows = []
    for line in text.splitlines()[first:last]:
        match = ROW.match(line)
        if not match:
            raise ValueError(f"not a table row of three cells: {line!r}")
        change, why = match["change"].strip(), match["why"].strip()
        for path in re.findall(r"`([^`]+)`", match["files"]) or [match["files"].strip()]:
            rows.append((path, change, why))
    return rows


def render_table(rows, old_rows):
    """The table's lines for ROWS, each row keeping the Why it had in OLD_ROWS (or TODO)."""
    whys = {path: why for path, _, why in old_rows if why}
    return HEADER + [f"| `{path}` | {change} | {whys.get(path, TODO)} |" for path, change in rows]


def rewrite(readme, rows):
    """Put the table for ROWS into README (a path), keeping the hand-written Whys."""
    text = readme.read_text(encoding="utf-8")
    first, last = table_span(text)
    lines = text.splitlines()
    table = render_table(rows, read_table(text))
    readme.write_text("\n".join([*lines[: first - 2], *table, *lines[last:]]) + "\n", "utf-8")


# Command line ---------------------------------------------------------------------------------


def step_and_previous(number):
    """The step numbered NUMBER and the one before it."""
    folders = steps()
    for index, folder in enumerate(folders):
        if index and int(folder.name[4:6]) == int(number):
            return folders[index - 1], folder
    sys.exit(f"No step {number} with a step before it: {', '.join(f.name for f in folders)}.")


def main(argv=None):
    """Print a step's table, or write it into the step's README with --write."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", help="the step's number, such as 04")
    parser.add_argument("--write", action="store_true", help="rewrite the README's table")
    args = parser.parse_args(argv)
    old, new = step_and_previous(args.step)
    rows = table_rows(old, new)
    readme = new / "README.md"
    if args.write:
        rewrite(readme, rows)
        print(f"Wrote {len(rows)} rows to {relative(readme)}.")
        return
    old_rows = read_table(readme.read_text(encoding="utf-8")) if readme.exists() else []
    print("\n".join(render_table(rows, old_rows)))


if __name__ == "__main__":
    main()
