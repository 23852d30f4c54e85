"""bench/figures.py, echo.py, profile.py, lookup.py and memory.py: the published figures' tools.

figures.py itself takes an hour, so its page is checked here with made-up runs; the others run
for real, small.
"""

import datetime
import shutil
import subprocess
import sys

import pytest

from tests_course.test_attack import ROOT, unavailable

sys.path.insert(0, str(ROOT / "bench"))
import figures  # noqa: E402

STARTED = datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC)
STORM_BACK = "  opened:            2000 of 2000\n  all back after:    14.2 s\n"
PRINTED = {
    "echo": "echo table",
    "storm": "storm lines\n" + STORM_BACK,
    "flood": "flood table",
    "lookup": "lookup table",
    "memory": "memory table",
}


def made_up(**changes):
    """Three runs of every configuration, each with the same figures but for CHANGES."""
    run = {key: 1.0 for key, _, _ in figures.FIGURES}
    run.update({"lost": 0, "client CPU, share of a core": 0.2, **changes})
    return {key: figures.summary([run] * 3) for key in figures.CONFIGURATIONS}


def goal_rows(text):
    """The rows of a goals table in TEXT, as {goal: met}."""
    rows = [row.split(" | ") for row in text.splitlines() if row.startswith("| ")]
    return {row[0].strip("| "): row[-1].strip("| ") for row in rows if len(row) == 3}


def test_the_page_has_a_row_per_configuration_with_its_command():
    """Each configuration's row names it and the load.py arguments that measured it."""
    text = figures.page(3, made_up(), PRINTED, STARTED)
    for name, arguments in figures.CONFIGURATIONS.values():
        assert f"| {name}: `{' '.join(arguments)}` |" in text


def test_every_configuration_is_a_command_load_py_accepts():
    """Each configuration's arguments pass load.py's own checks (a failed one exits), and the
    step it measures is the one it names."""
    import load

    for name, arguments in figures.CONFIGURATIONS.values():
        step = int(arguments[arguments.index("--step") + 1])
        assert load.parse_args(arguments).step == step, f"{name}: load.py reads another step"


def test_a_run_whose_client_was_the_bottleneck_is_not_published():
    """A configuration whose load client used over 90 % of its core gets no figures."""
    text = figures.page(3, made_up(**{"client CPU, share of a core": 0.95}), PRINTED, STARTED)
    assert "| 1,000.00 |" not in text
    assert "not published: the load client used over 90 % of its core" in text


def test_the_goals_are_checked_against_the_medians():
    """With every figure equal, "2x stock's deliveries per CPU-second" is not met."""
    rows = goal_rows(figures.goals_table(made_up(), PRINTED))
    per_cpu = "standard burst, 1 process: deliveries per CPU-second, times stock's (>= 2)"
    assert rows[per_cpu] == "**no**"
    assert rows["2,000 sockets: server memory, KiB a socket (<= 40)"] == "yes"


def test_a_lost_message_fails_the_no_loss_goal():
    """One lost delivery in a burst shows as a goal not met."""
    rows = goal_rows(figures.goals_table(made_up(lost=1), PRINTED))
    goal = "standard and inbox bursts, 1 and 2 processes: most lost in a round (0)"
    assert rows[goal] == "**no**"


STORM_GOAL = "reconnect storm, 2,000 clients: seconds until the last was back (<= 30)"


def test_the_storm_goal_reads_when_the_last_client_was_back():
    """storm.py's "all back after" is the storm goal's figure."""
    rows = goal_rows(figures.goals_table(made_up(), PRINTED))
    assert rows[STORM_GOAL] == "yes"
    assert "| 14.20 |" in figures.goals_table(made_up(), PRINTED)


def test_a_storm_that_left_clients_out_fails_its_goal():
    """A storm in which some clients never opened misses the goal, whatever its last one's time."""
    left_out = "  opened:            1696 of 2000\n  last one after:    9.0 s\n"
    printed = {**PRINTED, "storm": left_out}
    table = figures.goals_table(made_up(), printed)
    assert goal_rows(table)[STORM_GOAL] == "**no**"
    assert "| not all back |" in table


def test_a_figure_just_past_its_goal_does_not_show_as_the_goal():
    """0.604 s against "<= 0.6" shows as 0.604, not as 0.60 beside "no"."""
    assert figures.shown_against(0.604, 0.6) == "0.604"
    assert figures.shown_against(0.6, 0.6) == "0.60"
    assert figures.shown_against(1.18, 0.6) == "1.18"


def test_a_storm_that_printed_no_result_stops_the_page():
    """storm.py output without its result lines is refused, not read as a pass."""
    with pytest.raises(SystemExit, match="printed no result"):
        figures.goals_table(made_up(), {**PRINTED, "storm": "Traceback ..."})


def test_what_the_other_tools_printed_is_on_the_page():
    """echo.py's, storm.py's, flood.py's, lookup.py's and memory.py's output appear as printed."""
    text = figures.page(3, made_up(), PRINTED, STARTED)
    assert all(printed in text for printed in PRINTED.values())


def test_every_block_figures_rewrites_is_in_its_page():
    """Each page named in BLOCKS holds its `<!-- figures: NAME -->` block, closed."""
    pages = {name: page for name, (page, _, _) in figures.BLOCKS.items()}
    pages.update(figures.GOAL_BLOCKS)
    pages.update({name: page for name, (page, _) in figures.PRINTED_BLOCKS.items()})
    for name, page in pages.items():
        text = (ROOT / page).read_text()
        block = text.split(f"<!-- figures: {name} -->\n", 1)
        assert len(block) == 2, f"{page} has no figures block {name}"
        assert "<!-- /figures -->" in block[1]


def run(*args):
    """Run `python ARGS` from the top of the repository; the finished process."""
    command = [sys.executable, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_echo_measures_daphne_and_uvicorn():
    """echo.py serves step 2 under each server and prints a row for each."""
    result = run("bench/echo.py", "--clients", "3", "--messages", "20")
    rows = [row.split()[0] for row in result.stdout.splitlines()[2:]]
    assert rows == ["daphne", "uvicorn"], result.stdout + result.stderr


@pytest.mark.slow
def test_profile_prints_where_the_samples_fell():
    """profile.py serves step 6 under py-spy for a small burst and prints the parts' shares."""
    if not shutil.which("redis-server"):
        unavailable("redis-server is not on PATH: apt-get install redis-server")
    small = ["--clients", "3", "--senders", "2", "--messages", "20"]
    result = run("bench/profile.py", *small)
    assert "samples per 1,000 deliveries:" in result.stdout, result.stdout + result.stderr
    assert "Channels' clean-up before each handler" in result.stdout


@pytest.mark.slow
def test_lookup_times_each_kind_of_session():
    """lookup.py times get_user() with step 6's sessions, cached_db and a kept connection."""
    if not shutil.which("redis-server"):
        unavailable("redis-server is not on PATH: apt-get install redis-server")
    result = run("bench/lookup.py", "--lookups", "20", "--rounds", "1")
    rows = {row[:16].strip(): row for row in result.stdout.splitlines()[2:]}
    assert list(rows) == ["step 6", "cached_db", "kept connection"], result.stdout + result.stderr
    assert rows["step 6"].endswith("  20 a round"), "step 6's lookups did not each connect"
    assert rows["kept connection"].endswith("  1 a round"), "the kept connection was not kept"


@pytest.mark.slow
def test_memory_measures_each_layer_of_a_socket():
    """memory.py serves the four applications and prints a row for each, in KiB a socket."""
    if not shutil.which("redis-server"):
        unavailable("redis-server is not on PATH: apt-get install redis-server")
    result = run("bench/memory.py", "--sockets", "20", "--rounds", "1")
    rows = [row[:26].strip() for row in result.stdout.splitlines()[2:]]
    expected = ["Daphne alone", "Channels", "the tutorial's consumer", "step 6"]
    assert rows == expected, result.stdout + result.stderr
