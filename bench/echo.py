"""Echo: how many messages a second step 2's echo consumer answers, under Daphne and uvicorn.

It serves step 2 (serve.py: DEBUG off, a fresh database, a free port) once under each server,
opens --clients sockets to /ws/echo/, and has each send --messages frames one after the other,
each waiting for its echo before sending the next, so that the server always has --clients
frames in hand. It prints, per server, the messages answered per second and the server's CPU
per message, the load client's own CPU and how busy the rest of the machine was.

From the top of the repository, with the course's virtualenv active:

    python bench/echo.py
    python bench/echo.py --clients 10 --messages 100
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Meter  # noqa: E402
from serve import served  # noqa: E402

SERVERS = ["daphne", "uvicorn"]


async def echoes(ws_url, origin, clients, messages):
    """Open CLIENTS sockets, each sending MESSAGES frames in turn; seconds the exchange took."""
    sockets = [await connect(ws_url, origin=origin, proxy=None) for _ in range(clients)]

    async def ping_pong(ws):
        for number in range(messages):
            await ws.send(f"hello {number}")
            await ws.recv()

    try:
        started = time.monotonic()
        await asyncio.gather(*(ping_pong(ws) for ws in sockets))
        return time.monotonic() - started
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))


def measure(server_name, folder, clients, messages):
    """Serve step 2 under SERVER_NAME and run the echoes; the figures of the run."""
    with served(2, folder, server=server_name) as (servers, _):
        meter = Meter(servers)
        before = meter.read()
        url = f"{servers[0].ws_url}/ws/echo/"
        seconds = asyncio.run(echoes(url, servers[0].url, clients, messages))
        after = meter.read()
    used = {key: after[key] - before[key] for key in before}
    total = clients * messages
    return {
        "messages/s": total / seconds,
        "server CPU per message, µs": 1e6 * used["server"] / total,
        "client CPU, share of a core": used["client"] / seconds,
        "other load, cores": max(0.0, used["machine"] - used["server"] - used["client"]) / seconds,
    }


def main(argv=None):
    """Measure both servers and print a row each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="sockets (default 50)")
    parser.add_argument("--messages", type=int, default=200, help="per socket (default 200)")
    args = parser.parse_args(argv)
    print(
        f"step 2's echo consumer, {args.clients} clients x {args.messages} messages, "
        "each waiting for its echo"
    )
    print(f"{'server':<8} {'messages/s':>11} {'CPU/message':>12} {'client':>7} {'other load':>11}")
    for name in SERVERS:
        with tempfile.TemporaryDirectory(prefix="echo-") as folder:
            row = measure(name, folder, args.clients, args.messages)
        print(
            f"{name:<8} {row['messages/s']:>11.0f} "
            f"{row['server CPU per message, µs']:>9.0f} µs "
            f"{row['client CPU, share of a core']:>6.0%} {row['other load, cores']:>8.2f} cores"
        )


if __name__ == "__main__":
    main()
