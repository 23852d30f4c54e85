"""Where an idle socket's memory goes: Daphne alone, Channels, the tutorial's consumer, step 6.

It serves step 6's project four ways, one Daphne process each (serve.py: DEBUG off, a fresh
database, a redis-server of its own), opens --sockets idle sockets to it, a few at a time, and
prints how much the server process grew, per socket:

- "Daphne alone": a plain ASGI application that accepts and waits (bench/stock/bare_asgi.py);
- "Channels": a Channels consumer that accepts and does nothing else (the same file);
- "the tutorial's consumer": logged in, one group in Redis (bench/stock/stock_asgi.py);
- "step 6": logged in, its middleware, three groups in Redis.

Each row is the median of --rounds interleaved rounds, with the lowest and highest; the
difference between two rows is what the second one adds. notes/12-performance.md has the
figures. From the top of the repository, with the course's virtualenv active:

    python bench/memory.py
    python bench/memory.py --sockets 500 --rounds 1     # a quick look
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import HANDSHAKES_AT_ONCE, STOCK  # noqa: E402
from serve import served  # noqa: E402

# name: (the ASGI application, whether its sockets log in first)
VARIANTS = {
    "Daphne alone": ("bare_asgi:daphne_only", False),
    "Channels": ("bare_asgi:channels_only", False),
    "the tutorial's consumer": ("stock_asgi:application", True),
    "step 6": ("config.asgi:application", True),
}
LOGIN = ("ada", "ada-demo-password")


async def open_sockets(server, count, cookie):
    """Open COUNT sockets to SERVER's room "memory", a few handshakes at a time."""
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    headers = {"Cookie": cookie} if cookie else None

    async def open_one():
        async with gate:
            return await connect(
                f"{server.ws_url}/ws/chat/memory/",
                origin=server.url,
                additional_headers=headers,
                proxy=None,
                ping_interval=None,
            )

    return await asyncio.gather(*(open_one() for _ in range(count)))


async def grown(server, count, cookie):
    """KiB the server grew by, per socket, while COUNT more sockets opened after a first one."""
    first = await open_sockets(server, 1, cookie)
    await asyncio.sleep(0.5)
    before = server.rss_kib()
    sockets = await open_sockets(server, count, cookie)
    await asyncio.sleep(1)  # let the last handshakes' work finish
    after = server.rss_kib()
    await asyncio.gather(*(socket.close() for socket in [*first, *sockets]))
    return (after - before) / count


def measure(name, count, folder):
    """One round of one variant: KiB a socket."""
    app, logs_in = VARIANTS[name]
    env = {} if app.startswith("config.") else dict(STOCK)
    with served(6, folder, app=app, **env) as (servers, _redis):
        server = servers[0]
        cookie = server.log_in(*LOGIN) if logs_in else None
        return asyncio.run(grown(server, count, cookie))


def main(argv=None):
    """Measure each variant in interleaved rounds; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=2000, help="idle sockets (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    args = parser.parse_args(argv)
    found = {name: [] for name in VARIANTS}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="memory-") as folder:
        for _ in range(args.rounds):
            for name in VARIANTS:
                found[name].append(measure(name, args.sockets, folder))
    took = time.monotonic() - started
    rounds = f"{args.rounds} round(s) in {took:.0f} s"
    print(f"{args.sockets} idle sockets, one Daphne process each, {rounds}")
    print(f"{'served':<26} {'KiB a socket':>12}  lowest-highest  added by this row")
    previous = None
    for name, values in found.items():
        median = statistics.median(values)
        added = "" if previous is None else f"{median - previous:+.1f}"
        print(f"{name:<26} {median:12.1f}  {min(values):.1f}-{max(values):.1f}  {added:>9}")
        previous = median


if __name__ == "__main__":
    main()
