"""Read the course's Markdown: its pages, their fenced blocks and the comment line above each.

A fenced block may be preceded, on the line just above its opening fence, by one HTML comment
that says what the block is (Markdown renders none of them):

    <!-- file: step02_echo_consumer/chat/routing.py -->   a verbatim excerpt of that file
    <!-- not a file -->                                   code that is no file's excerpt
    <!-- run: step02_echo_consumer -->                    run every line, inside that folder
    <!-- run: step04_auth: python manage.py migrate -->   run this part of the block only
    <!-- output: step01_wsgi_vs_asgi: COMMAND -->         what COMMAND prints there
    <!-- not run: REASON -->                              a command or output the tests leave
"""

import re
from dataclasses import dataclass
from pathlib import Path

from coursekit.steps import ROOT, relative

COMMENT = re.compile(
    r"^<!-- (?P<kind>file|not a file|run|output|not run)(?:: (?P<value>.+?))? -->$"
)
FENCE = re.compile(r"^```(?P<lang>\S*)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block of a Markdown page."""

    page: Path
    line: int  # the opening fence's line number, counting from 1
    lang: str
    lines: tuple
    before: str  # the line just above the opening fence

    @property
    def where(self):
        """The page and line, as `notes/02-consumers.md:40`."""
        return f"{relative(self.page)}:{self.line}"

    def marker(self):
        """The (kind, value) of the comment just above the block, or (None, None)."""
        match = COMMENT.match(self.before.strip())
        return (match["kind"], match["value"]) if match else (None, None)


def notes():
    """Every page in notes/: the concept notes, and pages such as its index."""
    return sorted((ROOT / "notes").glob("*.md"))


def concept_notes():
    """The numbered concept notes, in reading order."""
    return sorted((ROOT / "notes").glob("[0-9][0-9]-*.md"))


def step_readmes():
    """Every step folder's README.md that exists, in step order."""
    return sorted(ROOT.glob("step[0-9][0-9]_*/README.md"))


def pages():
    """Every Markdown page of the course: the notes, the steps' and bench/'s pages, the top ones."""
    top = [ROOT / name for name in ("README.md", "CONTRIBUTING.md") if (ROOT / name).exists()]
    steps_and_bench = sorted(ROOT.glob("step[0-9][0-9]_*/*.md")) + sorted(ROOT.glob("bench/*.md"))
    return notes() + steps_and_bench + top


def blocks(page):
    """The fenced blocks of PAGE, in order."""
    lines = Path(page).read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if lines[i] == "```"), len(lines))
        before = lines[index - 1] if index else ""
        body = tuple(lines[index + 1 : end])
        found.append(Block(Path(page), index + 1, match["lang"], body, before))
        index = end + 1
    return found


def comments(page, kind):
    """The (line number, value) of every `<!-- KIND: value -->` line of PAGE."""
    lines = Path(page).read_text(encoding="utf-8").splitlines()
    return [
        (number, match["value"])
        for number, line in enumerate(lines, start=1)
        if (match := COMMENT.match(line.strip())) and match["kind"] == kind
    ]
