"""How much of a burst reaches everyone in a room: the library's default capacity vs this step's.

S senders each send M messages at once into a room of C clients (the senders are among them),
through config.asgi.application with Channels' WebsocketCommunicator: no server is needed.
Every message should reach all C clients, so S x M x C frames are expected. The same burst runs
twice, once on a layer with the library's default CONFIG and once with this step's settings.

Run it inside step03_groups (the defaults are 50 clients, 10 senders, 100 messages each):

    python bench_burst.py --clients 50 --senders 10 --messages 100
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

QUIET_SECONDS = 1.0  # the burst is over once no client has received anything for this long
# A handshake from the server's own page: the origin check compares its Origin with its Host.
HEADERS = [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]


def positive(text):
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv=None):
    """The command line: how many clients, senders and messages per sender."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=positive, default=50, help="sockets in the room")
    parser.add_argument("--senders", type=positive, default=10, help="clients that send")
    parser.add_argument("--messages", type=positive, default=100, help="messages per sender")
    args = parser.parse_args(argv)
    if args.senders > args.clients:
        parser.error("--senders cannot be more than --clients: the senders are in the room")
    return args


async def drain(client):
    """How many frames wait for a client right now, taking them off its queue."""
    count = 0
    while not await client.receive_nothing(timeout=0):
        await client.receive_from()
        count += 1
    return count


async def run_burst(layer, clients, senders, messages):
    """Send the burst into a room on `layer`; return (frames delivered, seconds taken)."""
    from channels.layers import channel_layers
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    channel_layers.set("default", layer)
    room = []
    for _ in range(clients):
        client = WebsocketCommunicator(application, "/ws/chat/bench/", HEADERS)
        connected, _ = await client.connect()
        if not connected:
            raise RuntimeError("the room refused a socket; is ALLOWED_HOSTS the default?")
        room.append(client)

    start = time.perf_counter()
    for number in range(messages):
        for sender in range(senders):
            frame = {"message": f"{sender}-{number}", "username": f"sender{sender}"}
            await room[sender].send_json_to(frame)

    delivered, last_delivery, quiet_since = 0, start, time.perf_counter()
    while time.perf_counter() - quiet_since < QUIET_SECONDS:
        await asyncio.sleep(0.05)
        arrived = sum([await drain(client) for client in room])
        if arrived:
            delivered += arrived
            last_delivery = quiet_since = time.perf_counter()

    for client in room:
        await client.disconnect()
    return delivered, last_delivery - start


async def main(args):
    """Run the burst with each CONFIG and print one line per run."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    step_config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    expected = args.senders * args.messages * args.clients
    print(
        f"{args.senders} senders x {args.messages} messages into a room of {args.clients} "
        f"clients: {expected} frames expected ({backend.rsplit('.', 1)[-1]})"
    )
    print(f"{'CONFIG':<44} {'delivered':>10} {'lost':>10} {'lost %':>7} {'seconds':>8}")
    for label, config in [("library default {}", {}), (f"this step {step_config}", step_config)]:
        layer = import_string(backend)(**config)
        delivered, seconds = await run_burst(layer, args.clients, args.senders, args.messages)
        lost = expected - delivered
        percent = 100 * lost / expected
        print(f"{label:<44} {delivered:>10} {lost:>10} {percent:>6.1f}% {seconds:>8.1f}")


if __name__ == "__main__":
    arguments = parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    asyncio.run(main(arguments))
