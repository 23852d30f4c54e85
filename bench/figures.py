"""Measure step 6's published load figures again, in one command, and write them where they show.

Each configuration below is one `python bench/load.py ...` command. The rounds interleave them
(round 1 runs each once, then round 2, ...), so that whatever else the machine does falls on all
of them alike; each figure is then the median of the rounds, with the lowest and highest. The
page also says how busy the machine was with other work, and refuses to publish a figure whose
load client used more than 90 % of its core (it, not the server, may have set the pace). The
goals of the performance lesson (notes/12-performance.md) are checked against the medians.
Then bench/echo.py (Daphne and uvicorn), bench/storm.py (2,000 clients reconnecting, itself a
goal), bench/flood.py (one user flooding a room), bench/lookup.py (a handshake's session and
user lookup) and bench/memory.py (an idle socket's memory, part by part) run, and their output
is added as they print it; bench/attack.py's full run of step 6, on each layer, goes into
bench/README.md as it printed it. One row serves step 6 on PostgreSQL: it needs a PostgreSQL server
at load.py's default --postgres address (.ci/run starts one).

It writes bench/FIGURES.md and bench/figures.json (every run's figures, from which
`--from bench/figures.json` writes the pages again without measuring), and rewrites every
block of a page that starts with
`<!-- figures: NAME -->` and ends with `<!-- /figures -->` (BLOCKS below says which pages
hold which) with the same medians.

From the top of the repository, with the course's virtualenv active (about an hour):

    python bench/figures.py               # 3 rounds: FIGURES.md and the pages' blocks
    python bench/figures.py --rounds 1 --output /tmp/FIGURES.md --no-blocks   # a quick look
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CLIENT_BOUND = 0.9
# The step 6 commit before the performance lesson's changes: "before" in its tables.
BEFORE = "8cbd2b4"
STANDARD = "10 senders x 100 messages into a room of 100"
# key: (what is measured, load.py's arguments). Unless a row says otherwise, the standard burst.
CONFIGURATIONS = {
    "stock": ("the Channels tutorial's consumer, library defaults", ["--step", "6", "--stock"]),
    "before": (
        f"step 6 before the performance lesson ({BEFORE})",
        ["--step", "6", "--checkout", BEFORE],
    ),
    "step": ("step 6, 1 process", ["--step", "6"]),
    "two": ("step 6, 2 processes", ["--step", "6", "--processes", "2"]),
    "nginx": ("step 6, 2 processes behind nginx", ["--step", "6", "--processes", "2", "--nginx"]),
    "uvicorn": ("step 6, 1 process of uvicorn", ["--step", "6", "--server", "uvicorn"]),
    "pubsub": (
        "step 6, 2 processes, Pub/Sub layer",
        ["--step", "6", "--processes", "2", "--layer", "pubsub"],
    ),
    "step5": ("step 5, in-memory layer", ["--step", "5"]),
    "paced": (
        "step 6, 2 processes, 10 senders x 30 at 1 a second each",
        ["--step", "6", "--processes", "2", "--rate", "1", "--messages", "30"],
    ),
    "capacity": ("step 6 with the library's capacity, 100", ["--step", "6", "--capacity", "100"]),
    "expiry": (
        "step 6 with the library's expiry, 60 s, 10 senders x 200",
        ["--step", "6", "--expiry", "60", "--messages", "200"],
    ),
    "bigger": ("step 6, 10 senders x 200", ["--step", "6", "--messages", "200"]),
    # Private messages: 20 of ada's sockets send 100 each to grace, who has 2 tabs open.
    "inbox": (
        "step 6, inbox burst: 20 senders x 100 private messages",
        ["--step", "6", "--inbox", "--senders", "20", "--clients", "2"],
    ),
    "inbox2": (
        "step 6, inbox burst, 2 processes",
        ["--step", "6", "--inbox", "--senders", "20", "--clients", "2", "--processes", "2"],
    ),
    # The same on PostgreSQL (a database made for the run on a local server, pooled).
    "inbox2-postgres": (
        "step 6, inbox burst, 2 processes, on PostgreSQL",
        [
            *("--step", "6", "--inbox", "--senders", "20", "--clients", "2"),
            *("--processes", "2", "--postgres"),
        ],
    ),
    # 2,000 idle sockets in one room, then one message to all of them.
    "idle": (
        "step 6, 2,000 sockets, 1 message",
        ["--step", "6", "--clients", "2000", "--senders", "1", "--messages", "1"],
    ),
    # Handshakes: 1,000 logged-in sockets opened, 10 at a time, then one message.
    "stock-handshakes": (
        "the tutorial's consumer, 1,000 sockets, 1 message",
        ["--step", "6", "--stock", "--clients", "1000", "--senders", "1", "--messages", "1"],
    ),
    "handshakes": (
        "step 6, 1,000 sockets, 1 message",
        ["--step", "6", "--clients", "1000", "--senders", "1", "--messages", "1"],
    ),
}
# (load.py's name for a figure, its column, decimals)
FIGURES = [
    ("deliveries/s", "deliveries/s", 0),
    ("messages/s", "messages/s", 0),
    ("lost", "lost", 0),
    ("deliveries per server CPU-second", "per CPU-s", 0),
    ("connections/s", "handshakes/s", 0),
    ("latency p50 ms", "p50 ms", 0),
    ("latency p99 ms", "p99 ms", 0),
    ("latency max ms", "max ms", 0),
    ("server memory, KiB a socket", "KiB/socket", 1),
    ("client CPU, share of a core", "client", 2),
    ("other load, cores", "other load", 2),
]
# The blocks of other pages: name -> (page, configurations, figures).
BLOCKS = {
    "step06-under-load": (
        "step06_redis/README.md",
        ["step", "two", "nginx", "pubsub", "uvicorn", "capacity", "expiry", "paced"],
        ["lost", "deliveries/s", "latency p50 ms", "latency p99 ms"],
    ),
    "before-and-after": (
        "notes/12-performance.md",
        ["stock", "before", "step"],
        ["deliveries per server CPU-second", "deliveries/s", "lost"],
    ),
    "where-lost": (
        "bench/LOAD.md",
        ["step", "capacity", "bigger", "expiry", "step5", "two", "pubsub", "paced"],
        ["lost", "deliveries/s", "latency p50 ms", "latency p99 ms", "latency max ms"],
    ),
}
# The pages that show the goals table, each in a block of its own: block name -> page.
GOAL_BLOCKS = {"goals": "notes/12-performance.md", "step06-goals": "step06_redis/README.md"}
# What other tools print, shown as they printed it in a block of a page: name -> (page, command).
PRINTED_BLOCKS = {
    "attack-core": ("bench/README.md", ["bench/attack.py", "--step", "6"]),
    "attack-pubsub": ("bench/README.md", ["bench/attack.py", "--step", "6", "--layer", "pubsub"]),
}
# What the runs measured, kept beside the page: `--from RUNS_FILE` writes it all again.
RUNS_FILE = BENCH / "figures.json"


def measure(arguments, folder):
    """Run one load.py command; its figures, read from the JSON file it writes."""
    output = Path(folder, f"run-{len(list(Path(folder).iterdir()))}.json")
    command = [sys.executable, "bench/load.py", *arguments, "--timeout", "20", "--json", output]
    print("$ python bench/load.py " + " ".join(arguments), flush=True)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if not output.exists():
        sys.exit(f"the run did not finish:\n{result.stdout}\n{result.stderr}")
    return json.loads(output.read_text())


def summary(runs):
    """Each figure's median, lowest and highest over the runs of one configuration."""
    return {
        key: (
            statistics.median(run[key] for run in runs),
            min(run[key] for run in runs),
            max(run[key] for run in runs),
        )
        for key, _, _ in FIGURES
    }


def cell(values, digits):
    """A table cell: the median, then (lowest-highest) when the runs differ."""
    mid, low, high = (f"{value:,.{digits}f}" for value in values)
    return mid if low == high else f"{mid} ({low}-{high})"


def published(row):
    """Whether a configuration's figures may be published: its client never set the pace."""
    return row["client CPU, share of a core"][2] <= CLIENT_BOUND


def table(medians, keys, figures):
    """A Markdown table: a row per configuration (with its command), a column per figure."""
    columns = [(key, label, digits) for key, label, digits in FIGURES if key in figures]
    lines = [
        "| measured (`python bench/load.py` ...) | " + " | ".join(c[1] for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for key in keys:
        name, arguments = CONFIGURATIONS[key]
        row = medians[key]
        if published(row):
            cells = [cell(row[figure], digits) for figure, _, digits in columns]
        else:
            cells = ["not published: the load client used over 90 % of its core"] * len(columns)
        lines.append(f"| {name}: `{' '.join(arguments)}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


STORM = ["bench/storm.py", "--step", "6", "--clients", "2000", "--retry", "page"]
STORM_OPENED = re.compile(r"opened: +(\d+) of (\d+)")
STORM_ALL_BACK = re.compile(r"all back after: +([\d.]+) s")


def storm_seconds(printed_text):
    """Seconds until the storm's last client was back; infinity when some never were."""
    opened = STORM_OPENED.search(printed_text)
    if not opened:
        sys.exit(f"bench/storm.py printed no result:\n{printed_text}")
    all_back = STORM_ALL_BACK.search(printed_text)
    return float(all_back[1]) if all_back and opened[1] == opened[2] else math.inf


def goals(medians, printed_by):
    """The lesson's goals: [(goal, measured, target, whether more is better)]."""
    efficiency = "deliveries per server CPU-second"
    stock, one, two = medians["stock"], medians["step"], medians["two"]
    shakes = medians["handshakes"]["connections/s"][0]
    stock_shakes = medians["stock-handshakes"]["connections/s"][0]
    lost = max(medians[key]["lost"][2] for key in ("step", "two", "inbox", "inbox2"))
    return [
        (
            "standard burst, 1 process: deliveries per CPU-second, times stock's (>= 2)",
            one[efficiency][0] / stock[efficiency][0],
            2,
            True,
        ),
        (
            "2 processes: deliveries/s, times one process's (>= 1.8)",
            two["deliveries/s"][0] / one["deliveries/s"][0],
            1.8,
            True,
        ),
        ("logged-in handshakes/s, times stock's (>= 1)", shakes / stock_shakes, 1, True),
        (
            "inbox burst, 2 processes: messages/s (>= 500)",
            medians["inbox2"]["messages/s"][0],
            500,
            True,
        ),
        (
            "2,000 sockets: server memory, KiB a socket (<= 40)",
            medians["idle"]["server memory, KiB a socket"][0],
            40,
            False,
        ),
        (
            "2,000 sockets: seconds until a message reached all (<= 0.6)",
            medians["idle"]["latency max ms"][0] / 1000,
            0.6,
            False,
        ),
        (
            "reconnect storm, 2,000 clients: seconds until the last was back (<= 30)",
            storm_seconds(printed_by["storm"]),
            30,
            False,
        ),
        ("standard and inbox bursts, 1 and 2 processes: most lost in a round (0)", lost, 0, False),
    ]


def shown_against(value, target):
    """VALUE with two decimals, or more where two would show a miss as the target itself."""
    digits = 2
    while value != target and round(value, digits) == target and digits < 6:
        digits += 1
    return f"{value:,.{digits}f}"


def goals_table(medians, printed_by):
    """The goals as a Markdown table: goal, measured, met."""
    lines = ["| goal | measured | met |", "|---|---|---|"]
    for goal, value, target, more_is_better in goals(medians, printed_by):
        met = value >= target if more_is_better else value <= target
        shown = "not all back" if math.isinf(value) else shown_against(value, target)
        lines.append(f"| {goal} | {shown} | {'yes' if met else '**no**'} |")
    return "\n".join(lines)


def printed_section(title, command, text):
    """A section of the page holding what COMMAND printed."""
    return [
        f"## {title}",
        "",
        f"`python {command}`, as it printed:",
        "",
        "```text",
        text.rstrip(),
        "```",
        "",
    ]


def page(rounds, medians, printed_by, started):
    """FIGURES.md's text."""
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("Django", "channels", "daphne", "channels-redis", "redis", "uvicorn")
    )
    lines = [
        "# Figures: step 6 under load",
        "",
        "<!-- Written by `python bench/figures.py`; do not edit by hand. -->",
        "",
        f"Measured by `python bench/figures.py` on {started:%Y-%m-%d}: {rounds} interleaved "
        f"rounds on one machine ({platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {versions}). Each cell is the median of the rounds, "
        f"(lowest-highest) where they differ. Unless a row says otherwise, the burst is "
        f"{STANDARD} listeners: 110,000 deliveries. Per CPU-s counts the CPU time of the "
        "server processes, Redis and nginx from the first send to the last delivery; "
        "KiB/socket is how much the server processes grew while the sockets opened; client is "
        "the load client's share of its one core; other load is what the rest of the machine "
        "kept busy meanwhile, in cores.",
        "",
        table(medians, list(CONFIGURATIONS), [key for key, _, _ in FIGURES]),
        "",
        "## Goals",
        "",
        "The performance lesson's goals ([note 12](../notes/12-performance.md)), from the medians "
        "above; a goal not met is explained there.",
        "",
        goals_table(medians, printed_by),
        "",
    ]
    lines += printed_section("Echo: Daphne and uvicorn", "bench/echo.py", printed_by["echo"])
    lines += printed_section(
        "The reconnect storm: 2,000 clients at once (goal: all back within 30 s)",
        " ".join(STORM),
        printed_by["storm"],
    )
    lines += printed_section("One user floods a room", "bench/flood.py", printed_by["flood"])
    lines += printed_section(
        "A handshake's session and user lookup", "bench/lookup.py", printed_by["lookup"]
    )
    lines += printed_section(
        "Where an idle socket's memory goes", "bench/memory.py", printed_by["memory"]
    )
    return "\n".join(lines)


def write_blocks(medians, printed_by):
    """Rewrite each page's `<!-- figures: NAME -->` blocks with the new medians."""
    texts = {
        name: (page_path, table(medians, keys, figures))
        for name, (page_path, keys, figures) in BLOCKS.items()
    }
    for name, page_path in GOAL_BLOCKS.items():
        texts[name] = (page_path, goals_table(medians, printed_by))
    for name, (page_path, _) in PRINTED_BLOCKS.items():
        texts[name] = (page_path, "```text\n" + printed_by[name].rstrip() + "\n```")
    for name, (page_path, block) in texts.items():
        path = ROOT / page_path
        pattern = re.compile(rf"(<!-- figures: {name} -->\n).*?(<!-- /figures -->)", re.S)
        new, count = pattern.subn(
            lambda match, block=block: match[1] + block + "\n" + match[2], path.read_text()
        )
        if not count:
            sys.exit(f"{page_path} has no <!-- figures: {name} --> block")
        path.write_text(new)
        print(f"rewrote the {name} block of {page_path}")


def printed(command):
    """What `python COMMAND` prints, run from the top of the repository."""
    print("$ python " + " ".join(command), flush=True)
    run = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True)
    return run.stdout + run.stderr


def measure_everything(rounds):
    """Run the rounds and the other tools; what they measured, as figures.json holds it."""
    started = datetime.datetime.now(datetime.UTC)
    runs = {key: [] for key in CONFIGURATIONS}
    with tempfile.TemporaryDirectory(prefix="figures-") as folder:
        for number in range(rounds):
            print(f"--- round {number + 1} of {rounds} ---", flush=True)
            for key, (_, arguments) in CONFIGURATIONS.items():
                runs[key].append(measure(arguments, folder))
    printed_by = {
        "echo": printed(["bench/echo.py"]),
        "storm": printed(STORM),
        "flood": printed(["bench/flood.py"]),
        "lookup": printed(["bench/lookup.py"]),
        "memory": printed(["bench/memory.py"]),
        **{name: printed(command) for name, (_, command) in PRINTED_BLOCKS.items()},
    }
    return {"started": started.isoformat(), "rounds": rounds, "runs": runs, "printed": printed_by}


def main(argv=None):
    """Run the rounds and the other tools, then write the page and the blocks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--output", default=str(BENCH / "FIGURES.md"), help="the page to write")
    parser.add_argument(
        "--no-blocks", action="store_true", help="leave the other pages' blocks as they are"
    )
    parser.add_argument(
        "--from",
        dest="saved",
        metavar="JSON",
        help="measure nothing: write the page and blocks again from a saved bench/figures.json",
    )
    args = parser.parse_args(argv)
    if args.saved:
        saved = json.loads(Path(args.saved).read_text())
    else:
        saved = measure_everything(args.rounds)
        RUNS_FILE.write_text(json.dumps(saved, indent=1) + "\n")
    medians = {key: summary(found) for key, found in saved["runs"].items()}
    started = datetime.datetime.fromisoformat(saved["started"])
    text = page(saved["rounds"], medians, saved["printed"], started)
    Path(args.output).write_text(text)
    print(f"wrote {args.output}")
    if not args.no_blocks:
        write_blocks(medians, saved["printed"])


if __name__ == "__main__":
    main()
