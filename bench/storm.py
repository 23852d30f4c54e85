"""A reconnect storm: how long N logged-in clients take to be back after a restart, and what
the server leaves behind when they all leave at once.

It serves a step itself (its own Redis for step 6, a fresh database, the demo users), logs in a
few sessions, and opens N sockets to one room at the same moment, as the pages of a site do when
its server restarts. Clients whose handshake fails retry, either the way this course's pages do
(`--retry page`: socket.js's retryDelay, full jitter from under 1 s doubling to 30 s), or the
naive way (`--retry fixed`: every second, all at once). Then every socket closes at once, and
the run counts what is left: tracebacks in the server log, and members still in the layer's
groups in Redis (step 6, core layer).

From the top of the repository, with the course's virtualenv active:

    python bench/storm.py --step 6 --clients 2000 --retry page
    python bench/storm.py --step 6 --clients 2000 --retry fixed --processes 2
"""

import argparse
import asyncio
import collections
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import print_first_tracebacks, served, tracebacks, warning_lines  # noqa: E402

FIRST_RETRY = 1.0  # socket.js: FIRST_RETRY_MS, the ceiling of the first wait
MAX_RETRY = 30.0  # socket.js: MAX_RETRY_MS
DEMO = [("ada", "ada-demo-password"), ("grace", "grace-demo-password")]


def page_delay(attempt):
    """socket.js's retryDelay: a random wait below min(30 s, 1 s x 2^attempt)."""
    return random.random() * min(MAX_RETRY, FIRST_RETRY * 2**attempt)


class Client:
    """One page: keeps trying to open its socket until it is open or the deadline passes."""

    def __init__(self, url, origin, cookie, retry):
        self.url, self.origin, self.cookie, self.retry = url, origin, cookie, retry
        self.socket = None
        self.attempts = 0
        self.opened_after = None
        self.failures = {}

    async def run(self, started, deadline):
        """Open the socket, retrying after each failure as the chosen retry policy says."""
        if self.retry == "page":
            await asyncio.sleep(page_delay(0))  # the page's first wait after the drop
        while time.monotonic() < deadline:
            self.attempts += 1
            try:
                self.socket = await connect(
                    self.url,
                    origin=self.origin,
                    additional_headers={"Cookie": self.cookie} if self.cookie else None,
                    open_timeout=30,
                    ping_interval=None,
                    max_queue=None,
                )
                self.opened_after = time.monotonic() - started
                return
            except Exception as error:  # refused (InvalidStatus), dropped (InvalidMessage), …
                kind = type(error).__name__
                self.failures[kind] = self.failures.get(kind, 0) + 1
            wait = page_delay(self.attempts) if self.retry == "page" else 1.0
            await asyncio.sleep(wait)

    async def close(self):
        """Close the socket, if it opened."""
        if self.socket is not None:
            await self.socket.close()


def wait_for_groups_to_empty(redis, seconds=30):
    """(members left, seconds waited): poll until no group has a member, or SECONDS pass."""
    started = time.monotonic()
    while (left := members_left(redis)) and time.monotonic() - started < seconds:
        time.sleep(0.5)
    return left, time.monotonic() - started


def members_left(redis):
    """Members still in any of the core layer's groups, summed over the group keys."""
    keys = [key for key in redis.command("--scan", "--pattern", "*group*").split() if key]
    return sum(int(redis.command("ZCARD", key)) for key in keys)


async def storm(servers, cookies, args):
    """Open all clients at once (spread over the servers), then close them all at once."""
    clients = []
    for number in range(args.clients):
        server = servers[number % len(servers)]
        url = f"{server.ws_url}/ws/chat/{args.room}/"
        cookie = cookies[server.url][number % len(cookies[server.url])]
        clients.append(Client(url, server.url, cookie, args.retry))
    started = time.monotonic()
    deadline = started + args.deadline
    await asyncio.gather(*(client.run(started, deadline) for client in clients))
    opened = [client.opened_after for client in clients if client.opened_after is not None]
    await asyncio.sleep(1)
    closing = time.monotonic()
    await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
    closed_in = time.monotonic() - closing
    return clients, opened, closed_in


def report(args, clients, opened, closed_in, logs, left):
    """Print what happened, one line a figure."""
    failures = {}
    for client in clients:
        for kind, count in client.failures.items():
            failures[kind] = failures.get(kind, 0) + count
    print(
        f"step {args.step}, {args.processes} process(es), {args.clients} clients, "
        f"retry {args.retry}, {args.sessions} sessions"
    )
    print(f"  opened:            {len(opened)} of {args.clients}")
    if opened:
        print(
            f"  all back after:    {max(opened):.1f} s"
            if len(opened) == args.clients
            else f"  last one after:    {max(opened):.1f} s"
        )
        print(f"  median open after: {statistics.median(opened):.1f} s")
        per_5s = collections.Counter(int(seconds // 5) * 5 for seconds in opened)
        print("  opened per 5 s:    " + ", ".join(f"{s}s {per_5s[s]}" for s in sorted(per_5s)))
    print(f"  handshakes tried:  {sum(client.attempts for client in clients)}")
    print(f"  failed attempts:   {failures or 'none'}")
    print(f"  all closed in:     {closed_in:.1f} s")
    print(f"  tracebacks in log: {sum(tracebacks(log) for log in logs)}")
    for line in warning_lines(logs):
        print(f"  {line}")
    if left is not None:
        print(f"  group members left in Redis: {left[0]}, {left[1]:.1f} s after the closes")


def parse_args(argv=None):
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", type=int, choices=[3, 4, 5, 6], default=6)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--sessions", type=int, default=20, help="logins the clients share")
    parser.add_argument("--retry", choices=["page", "fixed"], default="page")
    parser.add_argument(
        "--deadline", type=float, default=60, help="seconds to start new attempts for"
    )
    parser.add_argument("--room", default="storm")
    parser.add_argument(
        "--backlog", type=int, default=None, help="the listen queue (default: Twisted's 50)"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="WEBSOCKET_HANDSHAKES_AT_ONCE for the server (0: no limit; default: the step's)",
    )
    parser.add_argument("--layer", choices=["core", "pubsub"], default="core")
    return parser.parse_args(argv)


def main(argv=None):
    """Serve the step, run the storm, print the report, stop everything."""
    args = parse_args(argv)
    env = {}
    if args.limit is not None:
        env["WEBSOCKET_HANDSHAKES_AT_ONCE"] = str(args.limit)
    with (
        tempfile.TemporaryDirectory(prefix="storm-") as folder,
        served(args.step, folder, args.processes, args.layer, args.backlog, **env) as (
            servers,
            redis,
        ),
    ):
        cookies = {server.url: [] for server in servers}
        if args.step == 3:  # no logins before step 4
            cookies = {server.url: [""] for server in servers}
        for number in range(args.sessions if args.step > 3 else 0):
            server = servers[number % len(servers)]
            cookies[server.url].append(server.log_in(*DEMO[number % len(DEMO)]))
        clients, opened, closed_in = asyncio.run(storm(servers, cookies, args))
        left = wait_for_groups_to_empty(redis) if redis and args.layer == "core" else None
        for server in servers:
            server.stop()
        report(args, clients, opened, closed_in, [s.log() for s in servers], left)
        print_first_tracebacks(servers)


if __name__ == "__main__":
    main()
