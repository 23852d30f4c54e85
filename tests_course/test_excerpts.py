"""Every excerpt in the notes and READMEs is a verbatim, contiguous part of the file it names."""

import pytest

from coursekit.prose import ROOT, blocks, comments, pages, relative

# Code this long that names no file could be an excerpt that nobody checks.
LONGEST_UNCAPTIONED = 3
CODE = {"python", "py", "js", "javascript", "html", "css", "yaml", "toml", "ini"}
CAPTIONS = [
    pytest.param(page, number, path, id=f"{relative(page)}:{number}")
    for page in pages()
    for number, path in comments(page, "file")
]


def block_at(page, line):
    """The fenced block whose opening fence is on LINE of PAGE, or None."""
    return next((block for block in blocks(page) if block.line == line), None)


def first_difference(excerpt, lines):
    """Where EXCERPT best lines up with LINES, as a sentence about its first differing line."""
    best = (-1, 0)
    for start in range(len(lines)):
        same = 0
        while same < len(excerpt) and start + same < len(lines):
            if excerpt[same] != lines[start + same]:
                break
            same += 1
        best = max(best, (same, -start))
    same, start = best[0], -best[1]
    if same <= 0:
        return f"its first line is nowhere in the file: {excerpt[0]!r}"
    if start + same == len(lines):
        return f"the file ends after its line {same}; the excerpt goes on: {excerpt[same]!r}"
    return (
        f"its line {same + 1} differs from the file's line {start + same + 1}:\n"
        f"  excerpt: {excerpt[same]!r}\n  file:    {lines[start + same]!r}"
    )


def contains(lines, excerpt):
    """Whether EXCERPT appears in LINES as a contiguous run."""
    width = len(excerpt)
    return any(lines[i : i + width] == excerpt for i in range(len(lines) - width + 1))


@pytest.mark.parametrize("page, number, path", CAPTIONS)
def test_excerpt_is_verbatim(page, number, path):
    """The block under a `<!-- file: PATH -->` caption is a contiguous run of PATH's lines."""
    block = block_at(page, number + 1)
    assert block is not None, "the caption is not followed, on the next line, by a fenced block"
    assert block.lines, "the captioned block is empty"
    source = ROOT / path
    assert source.is_file(), f"the caption names {path}, which does not exist"
    lines = [line.rstrip() for line in source.read_text(encoding="utf-8").splitlines()]
    excerpt = [line.rstrip() for line in block.lines]
    if not contains(lines, excerpt):
        pytest.fail(f"not a verbatim part of {path}: {first_difference(excerpt, lines)}")


def test_there_are_excerpts_to_check():
    """The notes and READMEs show code under captions (an empty list would check nothing)."""
    assert len(CAPTIONS) >= 20


@pytest.mark.parametrize("page", pages(), ids=relative)
def test_long_code_blocks_name_their_file(page):
    """A code block longer than three lines has a file caption, or says `<!-- not a file -->`."""
    uncaptioned = [
        block.where
        for block in blocks(page)
        if block.lang in CODE
        and len(block.lines) > LONGEST_UNCAPTIONED
        and block.marker()[0] not in ("file", "not a file")
    ]
    assert not uncaptioned, f"code blocks with no caption: {', '.join(uncaptioned)}"
