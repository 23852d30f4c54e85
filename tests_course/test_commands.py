"""Commands shown to learners run as written, and the output shown is what they print today.

A ```sh block under `<!-- run: FOLDER -->` is run line by line inside FOLDER; under
`<!-- run: FOLDER: COMMAND -->` only COMMAND, which must be part of the block. Each must exit 0.
A block under `<!-- output: FOLDER: COMMAND -->` must match COMMAND's fresh output once both are
normalised (`python3 -m coursekit.regen_outputs` rewrites a stale one). Both run as a learner
would: the project's virtualenv first on PATH, and a throwaway database, so the steps stay clean.

The commands spend most of their time waiting (compare.py's views sleep, step 6's tests wait
on Redis), so they all start at once on a few workers, slowest first, and each test waits for
its own: the whole file takes about as long as its longest command, not the sum of them.
"""

import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from coursekit.prose import ROOT, blocks, pages, relative
from coursekit.regen_outputs import (
    fresh_output,
    normalise,
    output_blocks,
    rewrite,
    run_shown,
    stale,
)

# Commands that take more than a few seconds; `-m "not slow"` leaves them out.
SLOW = ("pytest", "python compare.py", "python bench/load.py")
SHELL = {"sh", "shell", "bash"}
COMMAND_BLOCKS = SHELL | {"console"}
LAST_LINES = 30
WORKERS = 3


def slow_if(*commands):
    """The `slow` mark if one of COMMANDS takes a while, else no mark."""
    return [pytest.mark.slow] if any(command.startswith(SLOW) for command in commands) else []


def runs():
    """(block, folder, commands) for each `run:` marker on every page."""
    found = []
    for page in pages():
        for block in blocks(page):
            kind, value = block.marker()
            if kind == "run":
                folder, _, named = value.partition(": ")
                commands = [named] if named else [line for line in block.lines if line.strip()]
                found.append((block, folder, commands))
    return found


RUNS = [
    pytest.param(block, folder, commands, id=block.where, marks=slow_if(*commands))
    for block, folder, commands in runs()
]
OUTPUTS = [
    pytest.param(block, folder, command, id=block.where, marks=slow_if(command))
    for page in pages()
    for block, folder, command in output_blocks(page)
]


def run_all(folder, commands):
    """Run COMMANDS in turn inside FOLDER, on one throwaway database: the first failure, or None."""
    with tempfile.TemporaryDirectory() as db_dir:
        for command in commands:
            result = run_shown(command, folder, db_dir)
            if result.returncode:
                return command, result
    return None


def job(item):
    """The (function, arguments) a selected test ITEM waits for, or None."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    if item.originalname == "test_shown_command_exits_0":
        return run_all, (params["folder"], params["commands"])
    if item.originalname == "test_shown_output_is_what_the_command_prints":
        return fresh_output, (params["folder"], params["command"])
    return None


@pytest.fixture(scope="session")
def started(request):
    """The commands of every selected test, started on a few workers, slowest first."""
    items = sorted(
        (item for item in request.session.items if job(item)),
        key=lambda item: item.get_closest_marker("slow") is None,
    )
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    yield {item.nodeid: pool.submit(job(item)[0], *job(item)[1]) for item in items}
    pool.shutdown(cancel_futures=True)


def said_why(block):
    """Whether BLOCK is under a `not run:` marker that gives a reason."""
    kind, reason = block.marker()
    return kind == "not run" and bool(reason)


def tail(text):
    """The last lines of TEXT, enough to see why a command failed."""
    return "\n".join(text.splitlines()[-LAST_LINES:])


@pytest.mark.parametrize("block, folder, commands", RUNS)
def test_marker_runs_what_the_block_shows(block, folder, commands):
    """A `run:` marker is on a shell block, in a folder that exists, and names what it shows."""
    assert block.lang in SHELL, f"a `run:` marker on a ```{block.lang} block, not on commands"
    assert (ROOT / folder).is_dir(), f"no folder {folder}"
    assert all(any(command in line for line in block.lines) for command in commands)


@pytest.mark.parametrize("block, folder, commands", RUNS)
def test_shown_command_exits_0(block, folder, commands, started, request):
    """Each command, run as shown inside its folder, succeeds."""
    failure = started[request.node.nodeid].result()
    if failure:
        command, result = failure
        pytest.fail(
            f"`{command}` in {folder} exited {result.returncode}:\n"
            f"{tail(result.stdout)}\n{tail(result.stderr)}"
        )


@pytest.mark.parametrize("block, folder, command", OUTPUTS)
def test_shown_output_is_what_the_command_prints(block, folder, command, started, request):
    """The block matches the command's fresh output, once timings and the like are normalised."""
    fresh, errors = started[request.node.nodeid].result()
    diff = stale(block, fresh)
    if diff:
        pytest.fail(
            f"stale output: `python3 -m coursekit.regen_outputs` rewrites it.\n"
            f"{diff}\n{tail(errors)}"
        )


def test_there_are_commands_and_outputs_to_check():
    """The READMEs mark commands to run and output to regenerate (none would check nothing)."""
    assert len(RUNS) >= 8 and len(OUTPUTS) >= 3


@pytest.mark.parametrize("page", pages(), ids=relative)
def test_every_command_block_is_run_or_says_why_not(page):
    """A block of commands has a `run:` marker, or a `not run:` marker that says why."""
    unmarked = [
        block.where
        for block in blocks(page)
        if block.lang in COMMAND_BLOCKS and block.marker()[0] != "run" and not said_why(block)
    ]
    assert not unmarked, f"command blocks with neither marker: {', '.join(unmarked)}"


@pytest.mark.parametrize("page", pages(), ids=relative)
def test_every_block_names_its_language(page):
    """A fence says what it holds (sh, text, python, ...), so the check above knows it."""
    unnamed = [block.where for block in blocks(page) if not block.lang]
    assert not unnamed, f"fenced blocks without a language: {', '.join(unnamed)}"


# The normalising rules, on real lines from the READMEs --------------------------------------

COMPARE_ROW = "| Daphne | ASGI | async | 50 | {} | 50 | 1 |"
BENCH = """CONFIG                                        delivered       lost  lost %  seconds
library default {{}}                                {}      {}   {}%      {}
this step {{'capacity': 2000, 'expiry': 60}}        50000          0    0.0%     {}"""


def test_wall_times_are_normalised():
    """compare.py's wall time differs on every run; the rest of the row does not."""
    assert normalise(COMPARE_ROW.format("1.30 s")) == normalise(COMPARE_ROW.format("107.99 s"))


def test_a_changed_count_is_not_normalised():
    """A row whose count of threads changed is still a difference."""
    assert normalise(COMPARE_ROW.format("1.30 s")) != normalise(
        COMPARE_ROW.format("1.30 s").replace("| 1 |", "| 50 |")
    )


def test_the_default_layers_losses_are_normalised():
    """How much the library's default layer drops varies; seconds vary; column widths follow."""
    once = BENCH.format(13306, 36694, 73.4, 3.7, 10.2)
    again = BENCH.format(13619, 36381, 72.8, 12.1, 20.4)
    assert normalise(once) == normalise(again)


def test_a_loss_with_this_steps_settings_is_not_normalised():
    """This step's row must deliver everything: a loss there is a difference."""
    once = BENCH.format(13306, 36694, 73.4, 3.7, 10.2)
    lossy = once.replace("50000          0    0.0%", "49000       1000    2.0%")
    assert normalise(once) != normalise(lossy)


def test_ports_paths_pids_and_dates_are_normalised():
    """What the machine or the clock picks is replaced by a placeholder."""
    once = f"pid 4711 at 2025-01-02T03:04:05.6+00:00 on 127.0.0.1:41234 in {ROOT}/step04_auth"
    again = f"pid 99 at 2026-11-12 13:14:15 on 127.0.0.1:8000 in {ROOT}/step04_auth"
    assert normalise(once) == normalise(again)


PAGE = """Some prose.

<!-- output: step04_auth: echo {} -->
```text
{}
```
"""


def test_regen_rewrites_a_stale_block_only(tmp_path):
    """`rewrite` replaces a stale block's lines and leaves the rest of the page as it was."""
    page = tmp_path / "README.md"
    page.write_text(PAGE.format("new", "old"))
    [(block, folder, command)] = output_blocks(page)
    fresh, _ = fresh_output(folder, command)
    assert stale(block, fresh)
    rewrite(page, {block.line: fresh})
    assert page.read_text() == PAGE.format("new", "new")
