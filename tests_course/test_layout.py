"""Every step has the same layout and its README the same template; nothing disappears unsaid."""

import re
from itertools import pairwise

import pytest

from coursekit.prose import relative
from coursekit.steps import steps
from coursekit.what_changed import changed_files, read_table

STEPS = steps()
REQUIRED = [
    "README.md",
    "manage.py",
    "pytest.ini",
    "config/",
    "config/settings.py",
    "config/urls.py",
    "config/asgi.py",
    "config/wsgi.py",
    "chat/",
    "tests/",
]
TEMPLATE = [
    "## What you will learn",
    "## What changed",
    "## Run it",
    "## Try it",
    "### In the browser",
    "### In a terminal",
    "## Contract",
    "## Test it",
    "## Exercises",
    "## Next step",
]
FEWEST_EXERCISES = 3
PAIRS = [pytest.param(old, new, id=new.name) for old, new in pairwise(STEPS)]


def readme(step):
    """The text of STEP's README (the test fails, not errors, when there is none)."""
    path = step / "README.md"
    if not path.is_file():
        pytest.fail(f"{relative(step)} has no README.md")
    return path.read_text(encoding="utf-8")


def section(text, heading):
    """The lines under HEADING, up to the next heading of the same level or higher."""
    level = heading.split()[0]
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next(
        (i for i in range(start, len(lines)) if re.match(rf"^#{{1,{len(level)}}} ", lines[i])),
        len(lines),
    )
    return lines[start:end]


def first_paragraph(text):
    """The first paragraph after the page's title, as one line."""
    body = text.split("\n", 1)[1].strip()
    return " ".join(body.split("\n\n", 1)[0].split())


@pytest.mark.parametrize(
    "step, path", [pytest.param(s, p, id=f"{s.name}/{p}") for s in STEPS for p in REQUIRED]
)
def test_step_has_the_shared_layout(step, path):
    """Every step has the files and folders that every step has, under the same names."""
    assert (step / path).is_dir() if path.endswith("/") else (step / path).is_file()


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_readme_follows_the_template(step):
    """The README's template headings are all there, in the template's order."""
    headings = [line for line in readme(step).splitlines() if line in TEMPLATE]
    assert headings == TEMPLATE


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_readme_begins_where_the_last_step_left_off(step):
    """The first sentence names the step before, with a link to it (step 1: an empty folder)."""
    index = STEPS.index(step)
    if index == 0:
        opening = "This step begins from an empty folder."
    else:
        name = STEPS[index - 1].name
        opening = f"This step begins where [{name}](../{name}/) left off."
    assert first_paragraph(readme(step)).startswith(opening)


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_readme_has_exercises_with_hints(step):
    """At least three numbered exercises, and each one gives a **Hint:**."""
    lines = section(readme(step), "## Exercises")
    starts = [i for i, line in enumerate(lines) if re.match(r"^\d+\. ", line)]
    exercises = [" ".join(lines[a:b]) for a, b in pairwise([*starts, len(lines)])]
    assert len(exercises) >= FEWEST_EXERCISES
    assert all("**Hint:**" in exercise for exercise in exercises), "an exercise has no hint"


@pytest.mark.parametrize("old, new", PAIRS)
def test_files_a_step_drops_are_named_as_removed(old, new):
    """A file of the step before that this step lacks is in the table as removed, with a why."""
    rows = {path: (change, why) for path, change, why in read_table(readme(new))}
    unsaid = [
        path
        for path, change in changed_files(old, new)
        if change == "removed" and (rows.get(path, ("", ""))[0] != "removed" or not rows[path][1])
    ]
    assert not unsaid, f"removed without a row that says why: {', '.join(unsaid)}"
