"""Measure step 6's published load figures again, in one command, and write bench/FIGURES.md.

Each configuration below is one `python bench/load.py ...` command. The rounds interleave them
(round 1 runs each once, then round 2, ...), so that whatever else the machine does falls on all
of them alike; each figure is then the median of the rounds, with the lowest and highest. The
page also says how busy the machine was with other work, and refuses to publish a figure whose
load client used more than 90 % of its core (it, not the server, may have set the pace). The
goals of the performance lesson (notes/12-performance.md) are checked against the medians.
Last, bench/echo.py (Daphne and uvicorn), bench/storm.py (2,000 clients reconnecting) and
bench/flood.py (one user flooding a room) are added as they print.

From the top of the repository, with the course's virtualenv active (about an hour):

    python bench/figures.py               # 3 rounds, writes bench/FIGURES.md
    python bench/figures.py --rounds 1 --output /tmp/FIGURES.md   # a quick look
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CLIENT_BOUND = 0.9
# (name, load.py's arguments): the standard burst, 10 senders x 100 messages into a room of 100.
CONFIGURATIONS = [
    ("stock: the Channels tutorial's consumer, 1 process", ["--step", "6", "--stock"]),
    ("step 6, 1 process", ["--step", "6"]),
    ("step 6, 2 processes", ["--step", "6", "--processes", "2"]),
    ("step 6, 2 processes behind nginx", ["--step", "6", "--processes", "2", "--nginx"]),
    ("step 6, 1 process of uvicorn", ["--step", "6", "--server", "uvicorn"]),
    (
        "step 6, 2 processes on the Pub/Sub layer",
        ["--step", "6", "--processes", "2", "--layer", "pubsub"],
    ),
    ("step 5, in-memory layer, 1 process", ["--step", "5"]),
    (
        "step 6, 2 processes, paced: 10 senders x 30 at 1/s",
        ["--step", "6", "--processes", "2", "--rate", "1", "--messages", "30"],
    ),
    ("step 6 with the library's capacity, 100", ["--step", "6", "--capacity", "100"]),
    (
        "step 6 with the library's expiry, 60 s, 10 senders x 200",
        ["--step", "6", "--expiry", "60", "--messages", "200"],
    ),
    # Private messages: 20 of ada's sockets send 100 each to grace, who has 2 tabs open.
    (
        "step 6, inbox burst, 1 process: 20 senders x 100 private messages",
        ["--step", "6", "--inbox", "--senders", "20", "--clients", "2"],
    ),
    (
        "step 6, inbox burst, 2 processes",
        ["--step", "6", "--inbox", "--senders", "20", "--clients", "2", "--processes", "2"],
    ),
    # 2,000 idle sockets in one room, and one message to all of them.
    (
        "step 6, 2,000 idle sockets, 1 message",
        ["--step", "6", "--clients", "2000", "--senders", "1", "--messages", "1"],
    ),
    # Handshakes: 1,000 logged-in sockets opened, 10 at a time, then one message.
    (
        "stock: 1,000 handshakes, 1 message",
        ["--step", "6", "--stock", "--clients", "1000", "--senders", "1", "--messages", "1"],
    ),
    (
        "step 6: 1,000 handshakes, 1 message",
        ["--step", "6", "--clients", "1000", "--senders", "1", "--messages", "1"],
    ),
]
HANDSHAKES = (CONFIGURATIONS[-2][0], CONFIGURATIONS[-1][0])  # (stock, step 6)
IDLE = CONFIGURATIONS[-3][0]
INBOX = (CONFIGURATIONS[-5][0], CONFIGURATIONS[-4][0])  # (1 process, 2 processes)
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


def measure(arguments, folder, name):
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


def goals(medians):
    """The lesson's goals this page checks: ([(goal, measured ratio, target)], most lost)."""
    stock = medians[CONFIGURATIONS[0][0]]
    one, two = medians[CONFIGURATIONS[1][0]], medians[CONFIGURATIONS[2][0]]
    efficiency = "deliveries per server CPU-second"
    per_cpu = one[efficiency][0] / stock[efficiency][0]
    scale = two["deliveries/s"][0] / one["deliveries/s"][0]
    shakes = medians[HANDSHAKES[1]]["connections/s"][0] / medians[HANDSHAKES[0]]["connections/s"][0]
    idle, inbox_two = medians[IDLE], medians[INBOX[1]]
    most_lost = max(medians[name]["lost"][2] for name in (CONFIGURATIONS[1][0], *INBOX))
    return [
        # (goal, measured, target, whether more is better)
        ("standard burst, 1 process: >= 2x stock's deliveries per CPU-second", per_cpu, 2, True),
        ("2 processes: >= 1.8x one process's deliveries/s", scale, 1.8, True),
        ("logged-in handshakes per second >= stock's (x stock)", shakes, 1, True),
        ("inbox burst, 2 processes: >= 500 messages/s", inbox_two["messages/s"][0], 500, True),
        ("2,000 idle sockets: <= 40 KiB each", idle["server memory, KiB a socket"][0], 40, False),
        ("2,000 idle sockets: a message reaches all within 0.6 s (s)",
         idle["latency max ms"][0] / 1000, 0.6, False),
    ], most_lost


def page(rounds, medians, printed_by, started):
    """FIGURES.md's text."""
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("Django", "channels", "daphne", "channels-redis", "redis", "uvicorn")
    )
    lines = [
        "# Figures: step 6 under the standard burst",
        "",
        "<!-- Written by `python bench/figures.py`; do not edit by hand. -->",
        "",
        f"Measured by `python bench/figures.py` on {started:%Y-%m-%d}, {rounds} interleaved "
        f"round(s), on one machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {versions}. Each cell is the median of the rounds, "
        "(lowest-highest) where they differ. The standard burst is 10 senders x 100 messages "
        "into a room of 100 listeners: 110,000 deliveries (each row says where it differs). "
        "Per CPU-second counts the CPU "
        "time of the server processes, Redis and nginx from the first send to the last "
        "delivery; client is the load client's share of its one core; other load is what "
        "the rest of the machine kept busy meanwhile, in cores.",
        "",
        "| configuration (`python bench/load.py` ...) | "
        + " | ".join(label for _, label, _ in FIGURES)
        + " |",
        "|---|" + "---|" * len(FIGURES),
    ]
    refused = []
    for name, arguments in CONFIGURATIONS:
        row = medians[name]
        if row["client CPU, share of a core"][2] > CLIENT_BOUND:
            refused.append(name)
            continue
        cells = [cell(row[key], digits) for key, _, digits in FIGURES]
        lines.append(f"| {name}: `{' '.join(arguments)}` | " + " | ".join(cells) + " |")
    for name in refused:
        lines.append(f"\n{name}: not published, the load client used over 90 % of its core.")
    lines += ["", "## Goals", "", "| goal | measured | met |", "|---|---|---|"]
    measured, most_lost = goals(medians)
    for goal, value, target, more_is_better in measured:
        met = value >= target if more_is_better else value <= target
        lines.append(f"| {goal} | {value:,.2f} | {'yes' if met else '**no**'} |")
    met = "yes" if most_lost == 0 else "**no**"
    lines.append(
        f"| standard and inbox bursts, 1 and 2 processes: 0 lost in every round | "
        f"{most_lost:.0f} | {met} |"
    )
    lines += [
        "",
        "## Echo: Daphne and uvicorn",
        "",
        "`python bench/echo.py`, step 2's echo consumer, as it printed:",
        "",
        "```text",
        printed_by["echo"].rstrip(),
        "```",
        "",
        "## The reconnect storm: 2,000 clients at once",
        "",
        "`python bench/storm.py --step 6 --clients 2000 --retry page`, as it printed "
        "(goal: all back within 30 s):",
        "",
        "```text",
        printed_by["storm"].rstrip(),
        "```",
        "",
        "## One user floods a room",
        "",
        "`python bench/flood.py`, as it printed:",
        "",
        "```text",
        printed_by["flood"].rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines)


def printed(command):
    """What `python COMMAND` prints, run from the top of the repository."""
    print("$ python " + " ".join(command), flush=True)
    run = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True)
    return run.stdout + run.stderr


def main(argv=None):
    """Run the rounds and the flood, then write the page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--output", default=str(BENCH / "FIGURES.md"), help="the page to write")
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    runs = {name: [] for name, _ in CONFIGURATIONS}
    with tempfile.TemporaryDirectory(prefix="figures-") as folder:
        for number in range(args.rounds):
            print(f"--- round {number + 1} of {args.rounds} ---", flush=True)
            for name, arguments in CONFIGURATIONS:
                runs[name].append(measure(arguments, folder, name))
    medians = {name: summary(found) for name, found in runs.items()}
    printed_by = {
        "echo": printed(["bench/echo.py"]),
        "storm": printed(["bench/storm.py", "--step", "6", "--clients", "2000", "--retry", "page"]),
        "flood": printed(["bench/flood.py"]),
    }
    Path(args.output).write_text(page(args.rounds, medians, printed_by, started))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
