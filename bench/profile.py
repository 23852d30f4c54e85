"""Where a served step's CPU goes during the standard burst: py-spy samples Daphne, load.py sends.

It serves step 6 (or, with --stock, the Channels tutorial's consumer) as load.py does, but with
the server process started under `py-spy record`, runs load.py's burst against it, then prints
how many samples it took per 1,000 deliveries, what share of them fell inside each part of a
delivery's path (a sample counts for every part whose function is on its stack) and the
functions that were on top most often.

From the top of the repository, with the course's virtualenv active:

    python bench/profile.py                # step 6 as shipped
    python bench/profile.py --stock        # the tutorial's consumer, library defaults
    python bench/profile.py --inbox --senders 20 --clients 2   # the inbox burst
    python bench/profile.py --keep /tmp/step6.txt   # keep py-spy's raw stacks, for a flame graph

py-spy attaches to a running process with `py-spy record --pid PID` on most machines; where it
cannot (on this course's machine it stops at "Failed to find python version"), starting the
server under it, as here, works. notes/12-performance.md has the figures.
"""

import argparse
import collections
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402
from serve import Redis, Step  # noqa: E402

# The parts of a delivery's path, each named by a function or module that appears on the stack
# while the process works on it. A sample can count for several (a JSON encode inside a send).
PARTS = [
    ("Channels' clean-up before each handler", ("aclose_old_connections",)),
    ("Django's close_old_connections itself", ("close_old_connections (django",)),
    ("asgiref's thread hops (that clean-up's included)", ("(asgiref/sync.py",)),
    ("encoding frames to JSON", ("(json/encoder.py",)),
    ("channels_redis (receive, group_send)", ("(channels_redis/",)),
    ("redis-py (the Redis protocol)", ("(redis/",)),
    ("autobahn (WebSocket frames)", ("(autobahn/",)),
    ("Django's database layer (connecting, queries, saves)", ("(django/db/",)),
    ("logging in through the form (PBKDF2, once)", ("(django/contrib/auth/hashers.py",)),
]


def samples(raw_path):
    """py-spy's raw output as (stack, count) pairs; a stack is the text of its frames."""
    pairs = []
    for line in Path(raw_path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            pairs.append((stack, int(count)))
    return pairs


def report(pairs, delivered, top=12):
    """Print each part's share of the samples, then the functions most often on top."""
    total = sum(count for _, count in pairs) or 1
    print(f"samples: {total} (py-spy, 100 a second, while the process was on a CPU)")
    print(f"samples per 1,000 deliveries: {1000 * total / max(delivered, 1):.1f}")
    for label, markers in PARTS:
        inside = sum(count for stack, count in pairs if any(m in stack for m in markers))
        print(f"  {100 * inside / total:5.1f} %  {label}")
    on_top = collections.Counter()
    for stack, count in pairs:
        on_top[stack.rsplit(";", 1)[-1]] += count
    print(f"the {top} functions most often on top of the stack:")
    for function, count in on_top.most_common(top):
        print(f"  {100 * count / total:5.1f} %  {function[:110]}")


def profiled(args, folder):
    """Serve step 6 under py-spy, run the burst; (py-spy's raw output, the deliveries)."""
    raw = Path(folder, "stacks.txt")
    spy = [shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))]
    spy += ["record", "--format", "raw", "--rate", "100", "--output", str(raw), "--"]
    redis = Redis(folder)
    server = None
    env = dict(load.NO_USER_LIMITS)
    if args.stock:
        env.update(load.STOCK)
    try:
        redis.start()
        app = load.STOCK_APP if args.stock else "config.asgi:application"
        server = Step(6, folder, app, REDIS_URL=redis.url, **env)
        server.manage("migrate", "--noinput")
        server.manage("demo_users")
        server.start(migrate=False, wrapper=spy)
        delivered = load.run(args, [server.url]).delivered
    finally:
        if server is not None and server.process.poll() is None:
            # SIGINT makes py-spy write what it sampled, then it stops the server with it.
            os.kill(server.process.pid, signal.SIGINT)
            server.process.wait(timeout=60)
        redis.stop()
    return raw, delivered


def main(argv=None):
    """Profile one burst and print where the server's time went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stock", action="store_true", help="the tutorial's consumer")
    parser.add_argument("--keep", metavar="PATH", help="copy py-spy's raw stacks to PATH")
    parser.add_argument("--inbox", action="store_true", help="private messages, as load.py's")
    parser.add_argument("--clients", type=int, default=100, help="listeners (default 100)")
    parser.add_argument("--senders", type=int, default=10, help="senders (default 10)")
    parser.add_argument("--messages", type=int, default=100, help="per sender (default 100)")
    options = parser.parse_args(argv)
    burst = ["--clients", str(options.clients), "--senders", str(options.senders)]
    burst += ["--messages", str(options.messages)]
    burst += ["--inbox"] if options.inbox else []
    args = load.parse_args(["--step", "6", *burst, "--timeout", "20"])
    args.stock = options.stock
    with tempfile.TemporaryDirectory(prefix="profile-") as folder:
        raw, delivered = profiled(args, folder)
        if options.keep:
            shutil.copy(raw, options.keep)
        print()
        report(samples(raw), delivered)


if __name__ == "__main__":
    main()
