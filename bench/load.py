"""Fill one chat room with listeners, let a few senders burst messages, count what arrives.

It serves a step itself, as storm.py and attack.py do (serve.py: Daphne, DEBUG off, a fresh
database, the demo users, and for step 6 a redis-server of its own), or runs against servers of
your own (--url, once per process). It logs in once per server as ada (steps 4 on; step 3 has
no accounts), opens C listeners and S senders in one room, spread over the servers in turn, and
every sender sends M messages. Each message text is a small JSON object with the run, the
sender, a sequence number and the time it was sent, so every socket can tell which messages it
got, which twice, and how late they were.

Senders are room members too: every socket should receive all S x M messages, so a run expects
(C + S) x S x M deliveries. --capacity and --expiry serve the step with its channel layer's
setting changed; --compare runs the same burst twice, on a fresh server with the library's
default capacity and expiry, then on one with the step's, and prints a row for each.
bench/LOAD.md has the figures.

From the top of the repository, with the course's virtualenv active:

    python bench/load.py --step 6 --clients 5 --senders 2 --messages 10
    python bench/load.py --step 6 --processes 2 --layer pubsub --rate 20
    python bench/load.py --step 3 --compare --clients 40 --senders 10 --messages 100
    python bench/load.py --url http://127.0.0.1:8000 --url http://127.0.0.1:8001

Exit status: 0 when every expected delivery arrived (with --compare, on the step's settings),
1 when anything was lost, 2 when the run could not take place (server not reachable, login
failed, handshake refused).
"""

import argparse
import asyncio
import json
import math
import re
import signal
import statistics
import sys
import tempfile
import time
import urllib.error
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import (  # noqa: E402
    LOCAL_POSTGRES,
    Nginx,
    Postgres,
    PostgresUnavailable,
    checkout,
    log_in,
    machine_busy_seconds,
    served,
    tracebacks,
    warning_lines,
)

ROOM_NAME = re.compile(r"[A-Za-z0-9_-]{1,50}")
HTTP_TIMEOUT = 10
# Daphne (Twisted) listens with a backlog of 50. A hundred handshakes at once can overflow it;
# the kernel then drops SYNs and the client waits out TCP's retry timer (1 s, 2 s, ...), which
# would measure that timer instead of the server. Open this many at a time instead.
HANDSHAKES_AT_ONCE = 10
# Every sender logs in as the same user, and step 6 limits each user to 10 messages a second in
# bursts of 20 (chat/limits.py): a served step 6 has them raised, as its live tests do.
NO_USER_LIMITS = {"CHAT_RATE_PER_SECOND": "100000", "CHAT_RATE_BURST": "100000"}
# What --capacity and --expiry change: the step's settings, with the layer's CONFIG updated.
SETTINGS = """from config.settings import *  # noqa: F403

CONFIG = CHANNEL_LAYERS["default"]["CONFIG"]  # noqa: F405
CONFIG.update({update!r})
for key in {drop!r}:
    CONFIG.pop(key, None)
"""
LIMITS = ("capacity", "expiry")  # the layer settings a burst meets
# --stock serves the Channels tutorial's consumer on step 6, with the library's layer defaults.
STOCK = {
    "PYTHONPATH": str(Path(__file__).resolve().parent / "stock"),
    "DJANGO_SETTINGS_MODULE": "stock_settings",
}
STOCK_APP = "stock_asgi:application"
# A load client busier than this share of its one core may have set the pace itself.
CLIENT_BOUND = 0.9


class CannotRun(Exception):
    """The run could not take place; the message is a sentence for the learner."""


class Tally:
    """What every socket of the run received, and when the run is complete."""

    def __init__(self, run_id, senders, messages, sockets):
        self.run_id = run_id
        self.messages = messages
        self.per_socket = senders * messages
        self.expected = sockets * self.per_socket
        self.delivered = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.ignored = 0
        self.latencies = []
        self.error_frames = Counter()
        self.closed_early = Counter()
        self.first_send = None
        self.last_send = None
        self.last_delivery = None
        self.complete = asyncio.Event()
        self.cpu = {}  # what the meter read at the first send and after the last delivery

    def record(self, socket, frame, received_at):
        """Count one frame that arrived on a socket."""
        try:
            data = json.loads(frame)
            kind = data.get("type")
        except (ValueError, AttributeError):
            self.ignored += 1
            return
        if kind == "error":
            self.error_frames[f"{data.get('error')}: {data.get('detail')}"] += 1
            return
        try:
            body = json.loads(data["message"])
            if body["run"] != self.run_id:
                raise ValueError("another run's message")
            index = body["sender"] * self.messages + body["seq"]
            sent_at = body["sent"]
        except (ValueError, TypeError, KeyError):
            # A person typing in the room, or an earlier run whose messages are still arriving.
            self.ignored += 1
            return
        if socket.seen[index]:
            self.duplicates += 1
            return
        socket.seen[index] = 1
        if body["seq"] < socket.last_seq.get(body["sender"], -1):
            self.out_of_order += 1
        socket.last_seq[body["sender"]] = body["seq"]
        socket.delivered += 1
        self.delivered += 1
        self.latencies.append(received_at - sent_at)
        self.last_delivery = time.monotonic()
        if self.delivered == self.expected:
            self.complete.set()


class Socket:
    """One WebSocket in the room, listener or sender, with what it has received."""

    def __init__(self, role, url, tally):
        self.role = role
        self.url = url
        self.tally = tally
        self.seen = bytearray(tally.per_socket)
        self.last_seq = {}
        self.delivered = 0
        self.connection = None
        self.reader = None
        self.to = None  # with --inbox: the recipient every message of a sender goes to

    async def open(self, path, cookie):
        """Complete the handshake, then read frames in the background until the socket closes."""
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        ws_url = f"{scheme}://{parts.netloc}{path}"
        try:
            self.connection = await connect(
                ws_url,
                origin=f"{parts.scheme}://{parts.netloc}",
                additional_headers={"Cookie": cookie} if cookie else None,
                # Connect straight to the server even when HTTP(S)_PROXY is set.
                proxy=None,
                open_timeout=HTTP_TIMEOUT,
            )
        except InvalidStatus as error:
            status = error.response.status_code
            raise CannotRun(
                f"The server refused the WebSocket handshake for {ws_url} with HTTP {status}: "
                "the host is not in ALLOWED_HOSTS, the session is not logged in, "
                "or the room name is not valid."
            ) from None
        except TimeoutError:
            raise CannotRun(
                f"The WebSocket handshake for {ws_url} did not finish within {HTTP_TIMEOUT} s."
            ) from None
        except (OSError, InvalidHandshake) as error:
            raise CannotRun(f"Could not open {ws_url}: {error}") from None
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        """Hand every frame to the tally; note a close that the run did not ask for."""
        try:
            async for frame in self.connection:
                self.tally.record(self, frame, time.time())
        except ConnectionClosed as error:
            close = error.rcvd
            reason = f"code {close.code} {close.reason}".strip() if close else "no close frame"
            self.tally.closed_early[f"{self.role}: {reason}"] += 1

    async def send_messages(self, sender, count, rate):
        """Send `count` messages, each carrying the sender, its sequence number and send time."""
        started = time.monotonic()
        for seq in range(count):
            if rate:
                await asyncio.sleep(max(0.0, started + seq / rate - time.monotonic()))
            text = json.dumps(
                {"run": self.tally.run_id, "sender": sender, "seq": seq, "sent": time.time()}
            )
            try:
                frame = {"message": text} if self.to is None else {"to": self.to, "message": text}
                await self.connection.send(json.dumps(frame))
            except ConnectionClosed:
                return  # The reader notes the close; the unsent messages count as lost.
            self.tally.last_send = time.monotonic()

    async def close(self):
        """Close the socket (a normal 1000 close) and wait for the reader to finish."""
        if self.connection is None:
            return
        await self.connection.close()
        if self.reader is not None:
            await self.reader


def log_in_to(url, login):
    """The Cookie header of a session on the server at URL; "" where it has no accounts (step 3)."""
    username, _, password = login.partition(":")
    login_url = f"{url}/accounts/login/"
    try:
        return log_in(url, username, password)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return ""  # no login page: anyone may chat, as in step 3
        raise CannotRun(
            f"{error.url} answered HTTP {error.code}: is this a step 3, 4, 5 or 6 server?"
        ) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ConnectionRefusedError):
            raise CannotRun(
                f"Nothing answers at {url} (connection refused): start the server first, "
                "for example: python3 course.py run 6"
            ) from None
        raise CannotRun(f"Could not reach {url}: {error.reason}") from None
    except StopIteration:
        raise CannotRun(
            f"GET {login_url} set no csrftoken cookie: is this a Django server?"
        ) from None
    except RuntimeError:
        raise CannotRun(
            f"Login failed at {login_url} for {username!r} (no session cookie): wrong username "
            "or password? The demo users come from: python manage.py demo_users"
        ) from None


async def open_all(sockets, path, cookies):
    """Open every socket, a few handshakes at a time; close them all if any one fails.

    COOKIES maps (server URL, role) to the Cookie header the socket sends.
    """
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)

    async def open_one(socket):
        async with gate:
            await socket.open(path, cookies[socket.url, socket.role])

    results = await asyncio.gather(*(open_one(s) for s in sockets), return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        await close_all(sockets)
        raise failures[0]


async def close_all(sockets):
    """Close every socket that was opened."""
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


async def wait_for_stragglers(tally, sockets, timeout):
    """Wait until everything arrived, or `timeout` seconds pass with no new delivery."""
    while not tally.complete.is_set():
        if all(socket.reader.done() for socket in sockets):
            return
        last = max(tally.last_send, tally.last_delivery or 0)
        left = timeout - (time.monotonic() - last)
        if left <= 0:
            return
        try:
            # Wake up at least once a second to notice sockets that closed.
            await asyncio.wait_for(tally.complete.wait(), min(left, 1))
        except TimeoutError:
            pass


def percentile(values, p):
    """The p-th percentile (nearest rank) of values, which must be sorted."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def counted(counter):
    """A Counter as one line: 'none', or each entry with how many times it happened."""
    if not counter:
        return "none"
    return "; ".join(f"{count} x {entry}" for entry, count in counter.most_common())


def report(args, tally, listeners, senders, connect_seconds, send_seconds, served=False):
    """Print the summary; return the number of deliveries that never arrived."""
    sockets = listeners + senders
    lost = tally.expected - tally.delivered
    per_socket = tally.per_socket
    listened = sum(socket.delivered for socket in listeners)
    sender_got = sum(socket.delivered for socket in senders)
    short = sum(1 for socket in sockets if socket.delivered < per_socket)
    pace = f"{args.rate:g} messages/s per sender" if args.rate else "as fast as possible"
    took = (tally.last_delivery or tally.first_send) - tally.first_send
    rate = tally.delivered / took if took > 0 else 0
    lines = [
        ("clients", f"{len(listeners)} listeners + {len(senders)} senders in {where(args)}"),
        (
            "connections/s",
            f"{len(sockets) / connect_seconds:.0f} "
            f"({len(sockets)} handshakes in {connect_seconds:.2f} s)",
        ),
        (
            "sent",
            f"{len(senders)} senders x {args.messages} messages = "
            f"{len(senders) * args.messages} messages in {send_seconds:.2f} s ({pace})",
        ),
        (
            "expected",
            f"{tally.expected} deliveries = ({len(listeners)} listeners + {len(senders)} senders,"
            f" {'whose inboxes get their own messages' if args.inbox else 'who are in the room'}"
            f" too) x {per_socket} messages",
        ),
        (
            "delivered",
            f"{tally.delivered} ({listened} of {len(listeners) * per_socket} to listeners, "
            f"{sender_got} of {len(senders) * per_socket} to senders)",
        ),
        (
            "lost",
            f"{lost} ({100 * lost / tally.expected:.2f} %); "
            f"sockets missing messages: {short} of {len(sockets)}",
        ),
        ("deliveries/s", f"{rate:.0f} (first send to last delivery: {took:.2f} s)"),
    ]
    if tally.latencies:
        ms = sorted(1000 * latency for latency in tally.latencies)
        lines.append(
            (
                "latency",
                f"p50 {percentile(ms, 50):.0f} ms, p99 {percentile(ms, 99):.0f} ms, "
                f"max {ms[-1]:.0f} ms",
            )
        )
    lines += [
        ("duplicates", f"{tally.duplicates}; out of order: {tally.out_of_order}"),
        ("error frames", counted(tally.error_frames)),
        ("closed early", counted(tally.closed_early)),
    ]
    if tally.ignored:
        lines.append(("ignored", f"{tally.ignored} frames that were not this run's messages"))
    lines += cpu_lines(tally, served)
    width = max(len(label) for label, _ in lines) + 1
    for label, text in lines:
        print(f"{label + ':':<{width}} {text}")
    return lost


class Meter:
    """CPU time used by the servers (and Redis, nginx) a run serves, by this client, by all."""

    def __init__(self, processes=()):
        self.processes = list(processes)

    def memory(self):
        """The memory the server processes (not Redis, not nginx) hold now, in KiB."""
        return sum(p.rss_kib() for p in self.processes if hasattr(p, "rss_kib"))

    def read(self):
        """CPU seconds so far: {"server": ..., "client": ..., "machine": ..., "at": wall time}."""
        return {
            "server": sum(process.cpu_seconds() for process in self.processes),
            "client": time.process_time(),
            "machine": machine_busy_seconds(),
            "at": time.monotonic(),
        }


def delivering(tally):
    """Seconds from the first send to the last delivery (the client is idle after it)."""
    return (tally.last_delivery or tally.first_send) - tally.first_send


def used(tally):
    """CPU seconds used between the first send and the last delivery, by each, and the wall time."""
    start, end = tally.cpu["start"], tally.cpu["end"]
    return {key: end[key] - start[key] for key in start}


def where(args):
    """Where the sockets are: a room, or two users' inboxes."""
    if args.inbox:
        sender, recipient = args.login.partition(":")[0], args.recipient.partition(":")[0]
        return f"inboxes: {sender} sends private messages to {recipient}"
    return f"room {args.room!r}"


def cpu_lines(tally, served):
    """The summary's lines on CPU: the servers' (when served here), the client's, the rest's."""
    cpu = used(tally)
    lines = []
    if served:
        grown, sockets = tally.memory[1] - tally.memory[0], tally.expected // tally.per_socket
        lines.append(
            (
                "server memory",
                f"{tally.memory[0] / 1024:.0f} MiB before the sockets opened, "
                f"{tally.memory[1] / 1024:.0f} MiB with {sockets} open: "
                f"{grown / sockets:.1f} KiB a socket",
            )
        )
        per_second = tally.delivered / cpu["server"] if cpu["server"] else 0
        lines.append(
            (
                "server CPU",
                f"{cpu['server']:.1f} s (server processes, Redis, nginx, PostgreSQL): "
                f"{per_second:.0f} deliveries per CPU-second",
            )
        )
    took = delivering(tally)
    client = cpu["client"] / took if took else 0
    spent = f"{cpu['client']:.1f} s in {took:.1f} s of deliveries ({client:.0%} of a core)"
    lines.append(("client CPU", spent))
    others = cpu["machine"] - cpu["client"] - (cpu["server"] if served else 0)
    lines.append(("other load", f"{max(0, others) / cpu['at']:.2f} cores busy with other work"))
    if client > CLIENT_BOUND:
        lines.append(("warning", "the load client was the bottleneck: not a figure to publish"))
    return lines


async def burst(args, urls, cookies, meter=None):
    """Open the sockets, send the burst, wait for it; return (tally, listeners, senders, times)."""
    meter = meter or Meter()
    tally = Tally(uuid.uuid4().hex[:8], args.senders, args.messages, args.clients + args.senders)
    listeners = [Socket("listener", urls[i % len(urls)], tally) for i in range(args.clients)]
    senders = [Socket("sender", urls[i % len(urls)], tally) for i in range(args.senders)]
    sockets = listeners + senders
    tally.memory = [meter.memory()]
    started = time.monotonic()
    if args.inbox:
        path = "/ws/inbox/"
        for socket in senders:
            socket.to = args.recipient.partition(":")[0]
    else:
        path = f"/ws/chat/{args.room}/"
    await open_all(sockets, path, cookies)
    connect_seconds = time.monotonic() - started
    tally.memory.append(meter.memory())
    try:
        tally.cpu["start"] = meter.read()
        tally.first_send = time.monotonic()
        await asyncio.gather(
            *(socket.send_messages(n, args.messages, args.rate) for n, socket in enumerate(senders))
        )
        send_seconds = time.monotonic() - tally.first_send
        await wait_for_stragglers(tally, sockets, args.timeout)
        tally.cpu["end"] = meter.read()
    finally:
        await close_all(sockets)
    return tally, listeners, senders, (connect_seconds, send_seconds)


def run(args, urls, quiet=False, meter=None):
    """Log in, run the burst against URLS, print the summary unless QUIET; the run's tally."""
    cookies = {(url, "sender"): log_in_to(url, args.login) for url in urls}
    for url in urls:
        listener = args.recipient if args.inbox else args.login
        cookies[url, "listener"] = log_in_to(url, listener)
    for index, url in enumerate(urls if not quiet else ()):
        listeners = len(range(index, args.clients, len(urls)))
        senders = len(range(index, args.senders, len(urls)))
        print(f"{url}: {listeners} listeners, {senders} senders")
    tally, listeners, senders, times = asyncio.run(burst(args, urls, cookies, meter))
    tally.connections_per_second = (args.clients + args.senders) / times[0]
    if not quiet:
        report(args, tally, listeners, senders, *times, served=meter is not None)
    return tally


def layer_settings(folder, update=None, drop=()):
    """The environment that serves a step with its layer's CONFIG updated, written to FOLDER."""
    if not update and not drop:
        return {}
    Path(folder, "load_settings.py").write_text(SETTINGS.format(update=update or {}, drop=drop))
    return {"PYTHONPATH": str(folder), "DJANGO_SETTINGS_MODULE": "load_settings"}


def shown(config):
    """A layer's CONFIG as a row names it: without its Redis hosts."""
    return {key: value for key, value in config.items() if key != "hosts"}


def run_served(args, folder, update=None, drop=(), quiet=False):
    """Serve the step, run the burst against it; (its tally, the layer's BACKEND and CONFIG)."""
    if args.checkout:
        with checkout(args.checkout, folder) as tree:
            step = next(tree.glob(f"step{args.step:02d}_*"))
            return served_run(args, folder, update, drop, quiet, STEP_DIR=str(step))
    return served_run(args, folder, update, drop, quiet)


def served_run(args, folder, update, drop, quiet, **step_dir):
    """run_served's work, on the step in STEP_DIR when given, else this checkout's."""
    env = {**NO_USER_LIMITS, **layer_settings(folder, update, drop), **step_dir}
    if not args.postgres:
        return served_on(args, folder, quiet, env, None)
    database = Postgres(args.postgres)
    try:
        database.start()
    except PostgresUnavailable as error:
        raise CannotRun(f"--postgres: {error}") from None
    try:
        return served_on(args, folder, quiet, {**env, "DATABASE_URL": database.url}, database)
    finally:
        database.stop()


def served_on(args, folder, quiet, env, database):
    """Serve the step with ENV, on DATABASE (a Postgres, or None: SQLite); run the burst."""
    app = None
    if args.stock:
        env, app = {**env, **STOCK}, STOCK_APP
    options = {"server": args.server, "app": app, **env}
    with served(args.step, folder, args.processes, args.layer, **options) as (servers, redis):
        layer = servers[0].setting("CHANNEL_LAYERS")["default"]
        backend, config = layer["BACKEND"].rsplit(".", 1)[-1], shown(layer.get("CONFIG", {}))
        processes = [*servers, *([redis] if redis else []), *([database] if database else [])]
        urls = [server.url for server in servers]
        nginx = Nginx(folder, servers) if args.nginx else None
        try:
            if nginx:
                nginx.start()
                processes.append(nginx)
                urls = [nginx.url]
            if not quiet:
                print(describe(args, backend, config))
            tally = run(args, urls, quiet, Meter(processes))
        finally:
            if nginx:
                nginx.stop()
        for server in servers:
            server.stop()
        logs = [server.log() for server in servers]
    if not quiet:
        kinds = ("WARNING", "ERROR", "CRITICAL")
        warned = sum(line.startswith(kinds) for log in logs for line in log.splitlines())
        print(f"server logs:   {sum(map(tracebacks, logs))} tracebacks, {warned} warnings")
        for line in warning_lines(logs):
            print(f"  {line}")
    return tally, backend, config


def describe(args, backend, config):
    """The first line of a served run's summary: what was served, and how."""
    count = f"{args.processes} process{'es' if args.processes > 1 else ''}"
    what = "the Channels tutorial's consumer (--stock)" if args.stock else f"step {args.step}"
    if args.checkout:
        what += f" as it was at {args.checkout}"
    front = ", behind nginx" if args.nginx else ""
    database = ", on PostgreSQL" if args.postgres else ""
    return f"{what}, {count} of {args.server}{front}{database}, {backend} {config}"


def figures(tally):
    """The figures of one run that --repeat summarises, by name."""
    cpu = used(tally)
    took = delivering(tally)
    ms = sorted(1000 * latency for latency in tally.latencies) or [0]
    return {
        "deliveries/s": tally.delivered / took if took > 0 else 0,
        "messages/s": tally.per_socket / took if took > 0 else 0,
        "lost": tally.expected - tally.delivered,
        "deliveries per server CPU-second": tally.delivered / cpu["server"] if cpu["server"] else 0,
        "connections/s": tally.connections_per_second,
        "server memory, KiB a socket": (tally.memory[1] - tally.memory[0])
        / (tally.expected // tally.per_socket),
        "latency p50 ms": percentile(ms, 50),
        "latency p99 ms": percentile(ms, 99),
        "latency max ms": ms[-1],
        "client CPU, share of a core": cpu["client"] / took if took > 0 else 0,
        "other load, cores": max(0, cpu["machine"] - cpu["client"] - cpu["server"]) / cpu["at"],
    }


def repeated(args, folder):
    """Run the served burst args.repeat times on fresh servers; print each, then the medians."""
    runs = []
    for number in range(args.repeat):
        run_folder = Path(folder, f"run-{number + 1}")
        run_folder.mkdir()
        print(f"--- run {number + 1} of {args.repeat} ---", flush=True)
        runs.append(figures(run_served(args, run_folder)[0]))
    print(f"--- median of {args.repeat} (min-max) ---")
    width = max(map(len, runs[0])) + 1
    for name in runs[0]:
        values = [run[name] for run in runs]
        digits = 2 if "core" in name else 0  # shares of a core; the rest are whole numbers
        low, mid, high = min(values), statistics.median(values), max(values)
        print(f"{name + ':':<{width}} {mid:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})")
    if max(run["client CPU, share of a core"] for run in runs) > CLIENT_BOUND:
        print("warning: the load client was the bottleneck in a run: not a figure to publish")
    return max(run["lost"] for run in runs)


def compare(args, folder):
    """The same burst with the library's default capacity and expiry, then with the step's."""
    rows = []
    for label, drop in [("library default", LIMITS), ("this step", ())]:
        run_folder = Path(folder, label.replace(" ", "-"))
        run_folder.mkdir()
        tally, backend, config = run_served(args, run_folder, drop=drop, quiet=True)
        seconds = (tally.last_delivery or tally.first_send) - tally.first_send
        lost = tally.expected - tally.delivered
        rows.append((f"{label} {config}", tally.delivered, lost, seconds))
    sockets = args.clients + args.senders
    expected = sockets * args.senders * args.messages
    print(
        f"{args.senders} senders x {args.messages} messages into a room of {sockets} "
        f"clients: {expected} frames expected ({backend})"
    )
    print(f"{'CONFIG':<44} {'delivered':>10} {'lost':>10} {'lost %':>7} {'seconds':>8}")
    for label, delivered, lost, seconds in rows:
        percent = 100 * lost / expected
        print(f"{label:<44} {delivered:>10} {lost:>10} {percent:>6.1f}% {seconds:>8.1f}")
    return rows[-1][2]


def number(kind, low, high=math.inf):
    """An argparse type: a finite number of the given kind from low to high."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{text} is not from {low} to {high}")
        return value

    return parse


def server_url(text):
    """An argparse type: an http:// or https:// URL with a host, without a path."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise argparse.ArgumentTypeError(f"{text!r} is not like http://127.0.0.1:8000")
    return f"{parts.scheme}://{parts.netloc}"


def room_name(text):
    """An argparse type: a room name the server accepts (1-50 of A-Z a-z 0-9 _ -)."""
    if not ROOM_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not 1-50 of A-Z a-z 0-9 _ -")
    return text


def login(text):
    """An argparse type: username:password."""
    if ":" not in text or not text.partition(":")[0]:
        raise argparse.ArgumentTypeError("give username:password, like ada:ada-demo-password")
    return text


def parse_args(argv=None):
    """Read the options from the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Exit status: 0 when nothing was lost (with --compare: on the step's settings), "
        "1 when anything was lost, 2 when the run could not take place (server not reachable, "
        "login failed, handshake refused).",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--step", type=int, choices=[3, 4, 5, 6], help="serve this step and run against it"
    )
    where.add_argument(
        "--url",
        metavar="URL",
        type=server_url,
        action="append",
        help="a server of your own to run against; repeat it to spread the sockets over "
        "several processes in turn",
    )
    parser.add_argument(
        "--processes",
        type=int,
        choices=[1, 2],
        default=1,
        help="with --step 6: server processes sharing one Redis (default 1)",
    )
    parser.add_argument(
        "--layer",
        choices=["core", "pubsub"],
        default="core",
        help="with --step 6: the Redis channel layer (default core)",
    )
    parser.add_argument(
        "--capacity",
        metavar="N",
        type=number(int, 1, 1_000_000),
        help="serve the step with its layer's capacity set to N",
    )
    parser.add_argument(
        "--expiry",
        metavar="S",
        type=number(int, 1, 86_400),
        help="serve the step with its layer's expiry set to S seconds",
    )
    parser.add_argument(
        "--stock",
        action="store_true",
        help="with --step 6: serve the Channels tutorial's consumer with the library's channel "
        "layer defaults instead of the step's own (bench/stock/)",
    )
    parser.add_argument(
        "--server",
        choices=["daphne", "uvicorn"],
        default="daphne",
        help="the ASGI server a served step runs on (default daphne)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        nargs="?",
        const=LOCAL_POSTGRES,
        help="serve step 6 on a fresh database of the PostgreSQL server at URL, pooled as "
        f"DATABASE_URL makes it, instead of SQLite (default {LOCAL_POSTGRES})",
    )
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="with --step 6: put nginx (step 6's deploy/nginx.conf) in front of the processes",
    )
    parser.add_argument(
        "--checkout",
        metavar="REVISION",
        help="serve the step as it was at this git revision (a worktree, removed afterwards): "
        "a before-and-after of a change, with today's load tool",
    )
    parser.add_argument(
        "--repeat",
        metavar="N",
        type=number(int, 1, 20),
        default=1,
        help="run the served burst N times on fresh servers and print the median (min-max) "
        "of each figure (default 1)",
    )
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="with a served run: also write its figures to PATH as JSON (bench/figures.py)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="run the burst with the library's default capacity and expiry, then with the "
        "step's, and print a row for each",
    )
    parser.add_argument(
        "--login",
        metavar="USER:PASSWORD",
        type=login,
        default="ada:ada-demo-password",
        help="username:password, logged in once per server (default ada:ada-demo-password)",
    )
    parser.add_argument(
        "--room", metavar="ROOM", type=room_name, default="load", help="room (default load)"
    )
    parser.add_argument(
        "--inbox",
        action="store_true",
        help="with steps 5 and 6: senders send private messages (as --login) to --recipient, "
        "whose inbox sockets are the listeners; each message is saved, then reaches every "
        "socket of both users",
    )
    parser.add_argument(
        "--recipient",
        metavar="USER:PASSWORD",
        type=login,
        default="grace:grace-demo-password",
        help="with --inbox: who gets the private messages (default grace:grace-demo-password)",
    )
    for option, metavar, low, high, default, what in [
        ("--clients", "C", 0, 10_000, 100, "listeners"),
        ("--senders", "S", 1, 1000, 10, "senders"),
        ("--messages", "M", 1, 100_000, 100, "messages per sender"),
    ]:
        parser.add_argument(
            option,
            metavar=metavar,
            type=number(int, low, high),
            default=default,
            help=f"{what} (default {default})",
        )
    parser.add_argument(
        "--rate",
        metavar="R",
        type=number(float, 0),
        default=0,
        help="messages per second per sender; 0 sends as fast as possible (default 0)",
    )
    parser.add_argument(
        "--timeout",
        metavar="T",
        type=number(float, 0.1, 600),
        default=10,
        help="after the last send, give up once this many seconds pass with no new "
        "delivery (default 10)",
    )
    args = parser.parse_args(argv)
    changes = args.capacity is not None or args.expiry is not None or args.compare
    if args.url and (changes or args.processes > 1 or args.layer != "core"):
        parser.error(
            "--processes, --layer, --capacity, --expiry and --compare serve the step: "
            "give --step, not --url"
        )
    if args.step and args.step != 6 and (args.processes > 1 or args.layer != "core"):
        parser.error("--processes and --layer need --step 6: only step 6 shares a layer in Redis")
    if args.layer == "pubsub" and changes:
        parser.error("the Pub/Sub layer has no capacity or expiry to change")
    if args.compare and (args.capacity is not None or args.expiry is not None):
        parser.error("--compare sets capacity and expiry itself")
    served_only = args.stock or args.nginx or args.postgres or args.server != "daphne"
    served_only = served_only or args.repeat > 1
    served_only = served_only or args.checkout
    if args.url and served_only:
        parser.error(
            "--stock, --server, --nginx, --postgres, --checkout and --repeat serve a step: "
            "give --step, not --url"
        )
    if args.inbox and (args.step or 5) < 5:
        parser.error("--inbox needs a step with private messages: 5 or 6")
    if args.inbox and args.stock:
        parser.error("the tutorial's consumer has no inbox: --inbox does not combine with --stock")
    if (args.stock or args.nginx or args.postgres) and args.step != 6:
        parser.error("--stock, --nginx and --postgres need --step 6")
    if args.stock and (args.layer != "core" or changes):
        parser.error("--stock serves the library's core layer with its defaults: nothing to change")
    if args.repeat > 1 and args.compare:
        parser.error("--compare runs once per setting; --repeat does not combine with it")
    return args


def main(argv=None):
    """Run the load test; exit 0 (nothing lost), 1 (something lost) or 2 (could not run)."""
    # Stopped with SIGTERM (kill, a CI timeout), still stop the servers it started.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    args = parse_args(argv)
    try:
        if args.url:
            tally = run(args, args.url)
            lost = tally.expected - tally.delivered
        else:
            update = {key: getattr(args, key) for key in LIMITS if getattr(args, key) is not None}
            with tempfile.TemporaryDirectory(prefix="load-") as folder:
                if args.compare:
                    lost = compare(args, folder)
                elif args.repeat > 1:
                    lost = repeated(args, folder)
                else:
                    tally = run_served(args, folder, update)[0]
                    lost = tally.expected - tally.delivered
                    if args.json:
                        Path(args.json).write_text(json.dumps(figures(tally), indent=1))
    except CannotRun as error:
        print(error, file=sys.stderr)
        return 2
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
