"""Every relative link in the notes and READMEs leads somewhere; notes and steps link each other."""

import re
from pathlib import Path

import pytest

from coursekit.prose import ROOT, concept_notes, pages, relative, step_readmes

LINK = re.compile(r"!?\[(?:[^\]`]|`[^`]*`)*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCED = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$", re.M)
EXTERNAL = ("http://", "https://", "mailto:")
# Headings of this repository and the anchors GitHub renders for them.
GITHUB_ANCHORS = [
    (
        "Group names: ASCII only, and under 100 characters",
        "group-names-ascii-only-and-under-100-characters",
    ),
    ('`scope["user"]` is fixed at the handshake', "scopeuser-is-fixed-at-the-handshake"),
    (
        "`sync_to_async` and `database_sync_to_async`: from the loop to a thread",
        "sync_to_async-and-database_sync_to_async-from-the-loop-to-a-thread",
    ),
]


def prose_of(page):
    """PAGE's text without fenced blocks, where a link is code, not a link."""
    return FENCED.sub("", Path(page).read_text(encoding="utf-8"))


def links(page):
    """Every link target in PAGE's prose, outside code."""
    text = prose_of(page)
    spans = [match.span() for match in INLINE_CODE.finditer(text)]

    def in_code(position):
        return any(start <= position < end for start, end in spans)

    return [m["target"] for m in LINK.finditer(text) if not in_code(m.start())]


def relative_links(page):
    """The links of PAGE that point inside the repository."""
    return [target for target in links(page) if not target.startswith(EXTERNAL)]


def slug(title):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def anchors(page):
    """Every heading anchor of PAGE, a repeated heading numbered as GitHub does (-1, -2, ...)."""
    seen, found = {}, set()
    for match in HEADING.finditer(prose_of(page)):
        anchor = slug(match["title"])
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(f"{anchor}-{count}" if count else anchor)
    return found


def target_of(page, link):
    """The file or folder LINK in PAGE points at, and its anchor ("" when none)."""
    path, _, anchor = link.partition("#")
    return (Path(page).parent / path).resolve() if path else Path(page), anchor


def broken(page, link):
    """Why LINK in PAGE leads nowhere, or None when it leads somewhere."""
    target, anchor = target_of(page, link)
    if not target.exists():
        return f"{link}: no such file or folder"
    if ROOT not in target.parents and target != ROOT:
        return f"{link}: outside the repository"
    if anchor and target.suffix != ".md":
        return f"{link}: an anchor into a file that is not Markdown drifts with the code"
    if anchor and anchor not in anchors(target):
        return f"{link}: {relative(target)} has no heading with the anchor #{anchor}"
    return None


@pytest.mark.parametrize("page", pages(), ids=relative)
def test_relative_links_lead_somewhere(page):
    """Each relative link names a file or folder that exists, and a heading there if it has #."""
    problems = [problem for link in relative_links(page) if (problem := broken(page, link))]
    assert not problems, "\n".join(problems)


def test_top_readme_exists():
    """The repository's front page, the learner's path through the steps, is there."""
    assert (ROOT / "README.md").is_file()


@pytest.mark.parametrize("note", concept_notes(), ids=relative)
def test_note_is_linked_from_a_step_readme(note):
    """Some step's README sends learners to the note."""
    assert any(
        target_of(readme, link)[0] == note
        for readme in step_readmes()
        for link in relative_links(readme)
    )


@pytest.mark.parametrize("note", concept_notes(), ids=relative)
def test_note_links_back_to_a_step(note):
    """The note links to at least one step's code or README."""
    steps = [readme.parent for readme in step_readmes()]
    assert any(
        step == target or step in target.parents
        for link in relative_links(note)
        for target in [target_of(note, link)[0]]
        for step in steps
    )


@pytest.mark.parametrize("title, anchor", GITHUB_ANCHORS)
def test_anchors_are_made_as_github_makes_them(title, anchor):
    """The slug rule matches anchors that GitHub renders for this repository's headings."""
    assert slug(title) == anchor
