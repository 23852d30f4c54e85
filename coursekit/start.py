"""`start` (workshop): copy the step before step N into workshop/, then say what to build."""

import ast
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path

from coursekit.diff import print_changes
from coursekit.steps import ROOT, STEP_IGNORE, find_step, step_number, steps

WORKSHOP = ROOT / "workshop"
# The heading of the section of a step's README that says what its tests check.
CONTRACT = "## Contract"


def step_before(step):
    """The step folder before STEP; exit with a sentence for the first step."""
    folders = steps()
    index = folders.index(step)
    if index == 0:
        sys.exit(
            f"There is no step before {step.name} to build on: `start` takes a step from "
            f"{step_number(folders[1])} to {step_number(folders[-1])}."
        )
    return folders[index - 1]


def plain(markdown):
    """Markdown links as their text, and lines joined: `[Routing](../notes/03.md)` is `Routing`."""
    return " ".join(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown).split())


def lesson(step):
    """From STEP's README: its title, what it adds, what you will learn, and the notes to read."""
    text = (step / "README.md").read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    title = paragraphs[0].removeprefix("# ").strip()
    opening = re.sub(r"^This step begins where .*? left off\.\s*", "", plain(paragraphs[1]))
    section = text.split("## What you will learn\n", 1)[1].split("\n## ", 1)[0]
    bullets = [item for item in re.split(r"(?m)^- ", section) if item.strip()]
    reads = [item for item in bullets if item.startswith("Read:")]
    links = re.findall(r"\[([^\]]+)\]\(([^)]+)\)", " ".join(reads))
    notes = [(name, os.path.normpath(Path(step.name, target))) for name, target in links]
    return title, opening, [plain(item) for item in bullets if item not in reads], notes


def contract_place(step):
    """Where STEP's contract is, as `step03_groups/README.md, section "Contract"`, or None."""
    readme = step / "README.md"
    if not readme.is_file() or f"\n{CONTRACT}\n" not in readme.read_text(encoding="utf-8"):
        return None
    return f'{readme.relative_to(ROOT).as_posix()}, section "{CONTRACT.removeprefix("## ")}"'


def contract_pointer(step):
    """The paragraph `start` prints about the step's contract: what it holds, and where."""
    place = contract_place(step)
    if place is None:
        return f"Step {step_number(step)}'s tests are the contract: `check` runs them."
    return textwrap.fill(
        f"The contract: the URLs, frames, error codes, close codes and names step "
        f"{step_number(step)}'s tests use, each with what it means, are in {place}. Build to "
        "it, without reading the tests, and `check` passes.",
        100,
    )


def own_modules(step):
    """The names of STEP's own top-level packages (chat, config, accounts), tests aside."""
    return {path.parent.name for path in step.glob("*/__init__.py")} - {"tests"}


def defined(step, module, name):
    """Whether MODULE (dotted) exists in STEP, and defines or imports NAME at its top level."""
    path = step.joinpath(*module.split("."))
    source = path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"
    if not source.is_file():
        return False
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return name is None or name in names


def names_used(step):
    """The (module, name) pairs STEP's tests import from its own code, and the commands they run."""
    own = own_modules(step)
    commands = {path.stem for path in step.glob("*/management/commands/[!_]*.py")}
    imported, called = set(), set()
    for test in step.glob("tests/*.py"):
        for node in ast.walk(ast.parse(test.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in own:
                imported.update((node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update((a.name, None) for a in node.names if a.name.split(".")[0] in own)
            elif isinstance(node, ast.Constant) and node.value in commands:
                called.add(node.value)
    return imported, called


def print_names(step, before):
    """Print the names STEP's tests use that the copy of BEFORE does not have yet."""
    imported, called = names_used(step)
    missing = sorted(
        f"{module}.{name}" if name else module
        for module, name in imported
        if not defined(before, module, name)
    )
    commands = sorted(name for name in called if not list(before.glob(f"*/*/commands/{name}.py")))
    if missing or commands:
        print("\nThe tests use these names from your code, so build them under these names:")
        for name in missing:
            print(f"  {name}")
        for name in commands:
            print(f"  python manage.py {name}  (a management command)")


def cmd_start(args):
    """Copy the step before step N into workshop/, then say what to build and what to read."""
    step = find_step(args.step)
    before = step_before(step)
    number, copy = step_number(step), WORKSHOP / step.name
    shown = copy.relative_to(ROOT)
    if copy.exists() and not args.force:
        sys.exit(
            f"{shown} already exists: carry on in it, or `python3 course.py start {number} "
            f"--force` to replace it with a fresh copy of {before.name} (your changes are lost)."
        )
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(before, copy, ignore=STEP_IGNORE)
    title, opening, bullets, notes = lesson(step)
    print(f"Made {shown}: a copy of {before.name} for you to turn into step {number}.\n")
    print(f"{title}\n{textwrap.fill(opening, 100)}\n\nWhat you will learn:")
    for bullet in bullets:
        print(textwrap.fill(bullet, 100, initial_indent="- ", subsequent_indent="  "))
    print("\nRead:")
    for name, path in notes:
        print(f"- {name}: {path}")
    print(f"\n{contract_pointer(step)}")
    heading = f"\nThe files step {number} adds, changes or removes (its tests come with check):"
    print_changes(before, step, heading, tests=False)
    print_names(step, before)
    print(
        f"\nNext, with the course's .venv active (`. .venv/bin/activate`):\n  cd {shown}\n"
        "  python manage.py migrate && python manage.py runserver\n"
        f"and from the top of the repository, for what still fails and a score:\n"
        f"  python3 course.py check {number}"
    )
    return 0
