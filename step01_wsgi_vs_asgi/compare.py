"""Serve the same slow views four ways, send N requests at once to each, print a table.

    python compare.py [--requests N] [--delay S] [--backlog B]

The servers count, not the client's clock: every answer from /sync/ and /async/ names the
thread that ran the view and says how many requests were in flight when it started waiting
(see chat/views.py). The table shows the most in flight at once and how many threads ran.
"""

import argparse
import http.client
import json
import math
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

STEP_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"
COLUMNS = ("server", "interface", "view", "requests", "wall time", "most in flight", "threads used")
# socketserver (so wsgiref) listens with a backlog of 5, Daphne with 50. When more clients
# connect at once than the backlog holds, the kernel drops their attempts and each one waits
# out TCP's retry timer (1 s, then 2 s, 4 s, ...), so the table would measure TCP's timer
# instead of the servers. Every server here gets the same, larger backlog.
DEFAULT_BACKLOG = 1024


class QuietHandler(WSGIRequestHandler):
    """wsgiref's request handler without a log line per request."""

    def log_message(self, format, *args):
        """Print nothing: the table is the output."""


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server, with a new thread for every connection."""

    daemon_threads = True


@contextmanager
def serving_wsgi(threaded, backlog):
    """Serve the project's WSGI application with wsgiref on a free port; yield the port."""
    from config.wsgi import application

    class Server(ThreadingWSGIServer if threaded else WSGIServer):
        request_queue_size = backlog

    server = make_server(HOST, 0, application, server_class=Server, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def serving_daphne(backlog):
    """Serve the project's ASGI application with Daphne in a child process; yield the port."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        # A Twisted endpoint string instead of -b/-p: it is the only way to set Daphne's backlog.
        endpoint = f"tcp:port={port}:interface={HOST}:backlog={backlog}"
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-e", endpoint, "config.asgi:application"],
            cwd=STEP_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_listening(port, process, log)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_listening(port, process, log, timeout=30):
    """Return once the port accepts connections; exit with Daphne's log if it cannot start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    log.seek(0)
    sys.exit(f"Daphne did not start on port {port}:\n{log.read().decode(errors='replace')}")


def get_json(port, path, timeout):
    """GET path from 127.0.0.1:port and return the JSON answer."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise ValueError(f"HTTP {response.status}: {body[:200]!r}")
        return json.loads(body)
    finally:
        connection.close()


def fire(port, path, count, timeout):
    """Send `count` requests at once, one thread each; return wall seconds and the results."""
    results = [None] * count
    start_line = threading.Barrier(count + 1)

    def one(index):
        start_line.wait()
        try:
            results[index] = get_json(port, path, timeout)
        except (OSError, http.client.HTTPException, ValueError) as error:
            results[index] = error

    clients = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for client in clients:
        client.start()
    start_line.wait()
    started = time.perf_counter()
    for client in clients:
        client.join()
    return time.perf_counter() - started, results


def measure(server, interface, view, port, args):
    """Warm the server up, fire the requests at one view, and return a table row and errors."""
    timeout = args.requests * args.delay + 60
    get_json(port, f"/{view}/?delay=0", timeout)  # Django loads URLs and views on first use.
    wall, results = fire(port, f"/{view}/?delay={args.delay}", args.requests, timeout)
    answers = [result for result in results if isinstance(result, dict)]
    errors = [result for result in results if not isinstance(result, dict)]
    done = str(len(answers)) if not errors else f"{len(answers)} of {args.requests}"
    row = (
        server,
        interface,
        view,
        done,
        f"{wall:.2f} s",
        str(max((answer["in_flight"] for answer in answers), default=0)),
        str(len({answer["thread"] for answer in answers})),
    )
    return row, errors


def markdown_table(rows):
    """The rows as a Markdown table, padded so that it also reads well in a terminal."""
    widths = [max(map(len, column)) for column in zip(COLUMNS, *rows, strict=True)]

    def line(cells):
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(COLUMNS), rule, *map(line, rows)])


def number(low, high, kind):
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


def parse_args(argv=None):
    """Read --requests, --delay and --backlog from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=number(1, 500, int), default=20, help="sent at once (default 20)"
    )
    parser.add_argument(
        "--delay",
        type=number(0, 5, float),
        default=0.5,
        help="seconds each view waits, 0 to 5 (default 0.5)",
    )
    parser.add_argument(
        "--backlog",
        type=number(1, 4096, int),
        default=DEFAULT_BACKLOG,
        help=f"listen backlog of every server (default {DEFAULT_BACKLOG}; wsgiref's own is 5)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Run the four servers one after another and print the table."""
    args = parse_args(argv)
    # Turn `kill` into an exception too, so that the servers below are always stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    rows, errors = [], []

    def run(server, interface, view, port):
        print(f"{server}: http://{HOST}:{port}/{view}/ ...", file=sys.stderr, flush=True)
        row, row_errors = measure(server, interface, view, port, args)
        rows.append(row)
        errors.extend(row_errors)

    try:
        with serving_wsgi(threaded=False, backlog=args.backlog) as port:
            run("wsgiref, one thread", "WSGI", "sync", port)
        with serving_wsgi(threaded=True, backlog=args.backlog) as port:
            run("wsgiref + ThreadingMixIn", "WSGI", "sync", port)
        with serving_daphne(backlog=args.backlog) as port:
            run("Daphne", "ASGI", "async", port)
            run("Daphne", "ASGI", "sync", port)
    except KeyboardInterrupt:
        sys.exit("Interrupted; every server has been stopped.")
    print(
        f"{args.requests} requests at once per row; each view waits {args.delay} s; "
        f"every server's listen backlog is {args.backlog}.\n"
    )
    print(markdown_table(rows))
    if errors:
        print(f"\n{len(errors)} requests failed; the first: {errors[0]!r}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
