"""One user floods a room: how long do another user's messages take meanwhile, with and without
step 6's per-user limits?

It serves step 6 (serve.py: Daphne, DEBUG off, a fresh database, the demo users, a redis-server
of its own) three times: with the default limits and nobody flooding, with the default limits
(10 messages a second, bursts of 20) while ada floods, and with the limits raised far out of
reach (100,000 a second) while ada floods. In each, grace and ada share one room; grace sends a
message every 1/--rate seconds for --seconds seconds and times each one until her own copy
comes back from the room (what her page would show): the table counts the ones that came back,
their latency, and the ones still missing 30 s after her last. ada opens --sockets sockets
(tabs, or a script) and sends --flood frames on each, as fast as they take them, from the
moment grace starts.

From the top of the repository, with the course's virtualenv active:

    python bench/flood.py                        # the three runs, one row each
    python bench/flood.py --sockets 1 --flood 5000 --seconds 10 --rate 5

Exit status: 0 when the runs took place (whatever they measured), 2 when one could not.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import NO_USER_LIMITS, percentile  # noqa: E402
from serve import log_in, served, tracebacks  # noqa: E402

ROOM = "/ws/chat/flood/"
PASSWORDS = {"ada": "ada-demo-password", "grace": "grace-demo-password"}
RUNS = [
    # (label, environment for the servers, whether ada floods)
    ("nobody floods, limits on", {}, False),
    ("ada floods, limits on", {}, True),
    ("ada floods, no limits", NO_USER_LIMITS, True),
]


async def open_room(url, cookie):
    """A socket in the room, logged in with COOKIE, sending the page's Origin."""
    return await connect(
        url.replace("http", "ws", 1) + ROOM,
        origin=url,
        additional_headers={"Cookie": cookie},
        proxy=None,
        max_queue=None,  # read everything the room sends, however fast
    )


async def observe(socket, rate, seconds):
    """Send a numbered message every 1/RATE s for SECONDS; each one's time until it came back."""
    sent, latencies = {}, []

    async def read():
        async for frame in socket:
            data = json.loads(frame)
            if data.get("username") == "grace" and data.get("message") in sent:
                latencies.append(time.monotonic() - sent.pop(data["message"]))

    reader = asyncio.create_task(read())
    started = time.monotonic()
    for number in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + number / rate - time.monotonic()))
        text = f"grace {number}"
        sent[text] = time.monotonic()
        await socket.send(json.dumps({"message": text}))
    deadline = time.monotonic() + 30  # the last ones may queue behind the flood
    while sent and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    reader.cancel()
    return latencies, len(sent)


async def flood(socket, count, name):
    """Send COUNT frames as fast as the socket takes them; (frames sent, answers, how it ended).

    Every socket of ada's hears all of ada's messages: each counts only its own, named NAME.
    """
    answers = {"message": 0, "rate_limited": 0}

    async def read():
        async for frame in socket:
            data = json.loads(frame)
            if data.get("username") == "ada" and data["message"].startswith(f"{name} "):
                answers["message"] += 1
            elif data.get("error") == "rate_limited":
                answers["rate_limited"] += 1

    reader = asyncio.create_task(read())
    sent = 0
    try:
        for number in range(count):
            await socket.send(json.dumps({"message": f"{name} {number}"}))
            sent += 1
    except ConnectionClosed:
        pass
    await asyncio.sleep(1)  # the answers still on their way
    reader.cancel()
    code = socket.close_code if socket.close_code is not None else "open"
    return sent, answers, code


async def one_run(url, cookies, args, floods):
    """Grace's latencies, and what became of ada's flood, summed over her sockets (or None)."""
    grace = await open_room(url, cookies["grace"])
    adas = [await open_room(url, cookies["ada"]) for _ in range(args.sockets if floods else 0)]
    observed, *flooded = await asyncio.gather(
        observe(grace, args.rate, args.seconds),
        *(flood(ada, args.flood, f"flood{index}") for index, ada in enumerate(adas)),
    )
    for socket in [grace, *adas]:
        await socket.close()
    if not flooded:
        return observed, None
    answers = {key: sum(result[1][key] for result in flooded) for key in flooded[0][1]}
    codes = sorted({str(result[2]) for result in flooded})
    return observed, (sum(result[0] for result in flooded), answers, "/".join(codes))


def row(label, observed, flooded, log):
    """One line of the report."""
    latencies, missing = observed
    ms = sorted(1000 * seconds for seconds in latencies)
    cells = [f"{label:26}", f"{len(ms):4}"]
    cells += [f"{percentile(ms, p):8.0f}" if ms else f"{'-':>8}" for p in (50, 99)]
    cells += [f"{max(ms):8.0f}" if ms else f"{'-':>8}", f"{missing:7}"]
    if flooded:
        sent, answers, code = flooded
        cells.append(
            f"  ada sent {sent:,}: {answers['message']:,} relayed, "
            f"{answers['rate_limited']:,} rate_limited, sockets {code}"
        )
    if tracebacks(log):
        cells.append(f"  {tracebacks(log)} traceback(s) in the log")
    return " ".join(cells)


def parse_args(argv=None):
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=10, help="ada's sockets (10)")
    parser.add_argument("--flood", type=int, default=1000, help="frames per socket (1000)")
    parser.add_argument("--rate", type=float, default=5, help="grace's messages a second (5)")
    parser.add_argument("--seconds", type=float, default=10, help="how long grace sends (10)")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the three cases on fresh servers and print a row for each."""
    args = parse_args(argv)
    print(
        f"step 6, one process; grace sends {args.rate:g}/s for {args.seconds:g} s in a room "
        f"where ada sends {args.flood:,} frames at once on each of {args.sockets} sockets"
    )
    print(f"{'case':26} {'back':>4} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'missing':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for index, (label, env, floods) in enumerate(RUNS):
            run_folder = Path(folder) / str(index)
            run_folder.mkdir()
            with served(6, run_folder, **env) as (servers, _redis):
                url = servers[0].url
                try:
                    cookies = {name: log_in(url, name, PASSWORDS[name]) for name in PASSWORDS}
                    observed, flooded = asyncio.run(one_run(url, cookies, args, floods))
                except (OSError, RuntimeError) as error:
                    print(f"{label}: could not run: {error}", file=sys.stderr)
                    return 2
                print(row(label, observed, flooded, servers[0].log()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
