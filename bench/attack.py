"""The attack suite: serve a step, attack it over real sockets, and check what it left behind.

It serves step N the way production does (see serve.py: Daphne, DEBUG off, a fresh SQLite file,
the demo users ada and grace logged in for steps 4 on, and for step 6 a redis-server of its
own), then runs the cases of attack_cases.py, attack_inbox.py and attack_load.py against it,
one after the other, with a real WebSocket client and the page's Origin: malformed, oversize
and Unicode-edge frames, forged identities, origin tricks, floods, handshake bursts, mass
disconnects, Redis killed and frozen. After each case it checks that the server logged no
traceback and that the case's closed sockets left no member in a group (step 6, core layer)
and no subscription (Pub/Sub layer); at the end, for the inbox of steps 5 and 6, that every
message a sender was told was saved is there once, and nothing refused is.

From the top of the repository, with the course's virtualenv active:

    python bench/attack.py --step 6 --quick             # the quick cases, as CI runs them
    python bench/attack.py --step 6                     # every case, heavy ones included
    python bench/attack.py --step 6 --layer pubsub --case redis_killed
    python bench/attack.py --list                       # the cases, and which steps get them

It prints one row per case (ok, or BROKEN and why) and exits 0 when every case is ok, else 1.
"""

import argparse
import asyncio
import http.client
import itertools
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import attack_cases as cases  # noqa: E402
import attack_inbox as inbox  # noqa: E402
import attack_load as load  # noqa: E402
from serve import Redis, Step, tracebacks  # noqa: E402

DEMO = {"ada": "ada-demo-password", "grace": "grace-demo-password"}  # demo_users makes them
PAGE_ORIGIN = object()  # connect()'s default: the Origin a page of the server itself sends
CLEANUP_SECONDS = 10  # how long closed sockets may take to leave their groups


@dataclass(frozen=True)
class Case:
    """A case function, the steps it runs on, and whether it is heavy (left out by --quick)."""

    function: object
    steps: frozenset
    heavy: bool = False

    @property
    def name(self):
        """The case's name on the command line and in the report."""
        return self.function.__name__


EVERY_STEP = frozenset({2, 3, 4, 5, 6})
ROOMS = frozenset({3, 4, 5, 6})  # no rooms in step 2: its echo
ACCOUNTS = frozenset({4, 5, 6})
INBOX = frozenset({5, 6})
REDIS = frozenset({6})

CASES = [
    Case(cases.malformed_json, EVERY_STEP),
    Case(cases.not_an_object, EVERY_STEP),
    Case(cases.deep_nesting, EVERY_STEP),
    Case(cases.wrong_types, EVERY_STEP),
    Case(cases.missing_fields, EVERY_STEP),
    Case(cases.extra_keys, EVERY_STEP),
    Case(cases.blank_message, EVERY_STEP),
    Case(cases.message_length, EVERY_STEP),
    Case(cases.lone_surrogate, EVERY_STEP),
    Case(cases.nul_and_controls, EVERY_STEP),
    Case(cases.unicode_text, EVERY_STEP),
    Case(cases.binary_frame, EVERY_STEP),
    Case(cases.invalid_utf8, EVERY_STEP),
    Case(cases.oversize_frame, EVERY_STEP),
    Case(cases.forged_identity, ROOMS),
    Case(cases.logged_out_session, ACCOUNTS),
    Case(cases.deleted_user, ACCOUNTS),
    Case(cases.lookalike_signup, ACCOUNTS),
    Case(cases.login_throttle, ACCOUNTS, heavy=True),  # 11 password hashes: seconds, not load
    Case(cases.origin_tricks, EVERY_STEP),
    Case(cases.room_names, EVERY_STEP),
    Case(cases.bad_host, EVERY_STEP),
    Case(inbox.inbox_bad_input, INBOX),
    Case(inbox.forged_inbox, INBOX),
    Case(inbox.inbox_after, INBOX),
    Case(inbox.resume, INBOX),
    Case(load.flood, EVERY_STEP),
    Case(load.inbox_flood, INBOX),
    Case(load.slowloris, EVERY_STEP),
    Case(load.handshake_burst, EVERY_STEP),
    Case(load.mass_disconnect, EVERY_STEP),
    Case(load.redis_killed, REDIS),
    Case(load.redis_frozen, REDIS),
    Case(load.flood_many, ROOMS, heavy=True),
    Case(load.handshake_burst_2000, EVERY_STEP, heavy=True),
    Case(load.mass_disconnect_2000, EVERY_STEP, heavy=True),
]
LEDGER = Case(inbox.inbox_ledger, INBOX)  # last: it checks what every case before it sent
CASES.append(LEDGER)


class Target:
    """The step under attack: its server, its Redis, its users' sessions, and a ledger.

    The ledger holds the private messages a sender was told were saved (a "private" frame, or
    a redirect after POST /inbox/send/) and those it was told were refused (an error frame).
    """

    def __init__(self, step, layer, folder):
        self.step = step
        self.layer = layer
        self.folder = folder
        self.redis = Redis(folder) if step == 6 else None
        self.server = None
        self.cookies = {}
        self.numbers = itertools.count(1)
        self.told_saved = []  # (sender, recipient, text)
        self.told_refused = []  # (sender, recipient, text)

    def start(self):
        """Start Redis (step 6) and the server; log ada and grace in (steps 4 on)."""
        env = {}
        if self.redis:
            self.redis.start()
            env["REDIS_URL"] = self.redis.url
            if self.layer == "pubsub":
                env["CHANNEL_LAYER"] = "pubsub"
        self.server = Step(self.step, self.folder, **env)
        self.server.start()
        if self.step >= 4:
            for user, password in DEMO.items():
                self.cookies[user] = self.server.log_in(user, password)

    def stop(self):
        """Stop the server and Redis by their pids (a frozen Redis is thawed first)."""
        if self.server:
            self.server.stop()
        if self.redis and self.redis.process and self.redis.process.poll() is None:
            os.kill(self.redis.process.pid, signal.SIGCONT)
            self.redis.stop()

    def text(self, label):
        """A message text no other message of the run holds, so a copy of it is a duplicate."""
        return f"{label} #{next(self.numbers)}"

    def room(self, name):
        """The socket path a case talks on: step 2's echo, or room NAME from step 3 on."""
        return "/ws/echo/" if self.step == 2 else f"/ws/chat/{name}/"

    def connect(self, path, user="ada", origin=PAGE_ORIGIN, host=None, **options):
        """Open a socket on PATH as USER (steps 4 on), sending the page's Origin unless told.

        With HOST, the handshake names that host (still sent to our server). Await the result,
        or use it with `async with`.
        """
        headers = {"Cookie": self.cookies[user]} if user and self.step >= 4 else {}
        headers.update(options.pop("headers", {}))
        url = self.server.ws_url + path
        if host:
            url = f"ws://{host}:{self.server.port}{path}"
            options["sock"] = socket.create_connection(("127.0.0.1", self.server.port))
        return connect(
            url,
            origin=self.server.url if origin is PAGE_ORIGIN else origin,
            additional_headers=headers,
            open_timeout=options.pop("open_timeout", 10),
            close_timeout=5,
            ping_interval=None,
            max_size=None,
            max_queue=None,
            proxy=None,
            **options,
        )

    def http(self, method, path, cookie=None, form=None, host=None, timeout=30):
        """One HTTP request, redirects not followed: (status, headers, body, seconds taken).

        A form is sent with a CSRF token of our own making, in its cookie and in the form.
        """
        headers = {"Host": host or f"127.0.0.1:{self.server.port}"}
        cookies = [cookie] if cookie else []
        body = None
        if form is not None:
            token = secrets.token_hex(16)  # 32 characters: Django takes it as the secret
            cookies.append(f"csrftoken={token}")
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        elapsed = time.monotonic() - started
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text, elapsed

    def sign_up(self, username, password):
        """Sign a new user up through the form: their session's Cookie header, or None."""
        form = {"username": username, "password1": password, "password2": password}
        status, headers, _, _ = self.http("POST", "/accounts/signup/", form=form)
        cookie = headers.get("set-cookie", "")
        if status != 302 or "sessionid=" not in cookie:
            return None
        return "sessionid=" + cookie.split("sessionid=")[1].split(";")[0]

    def new_session(self, user):
        """Log USER in once more: a session of its own, as another browser has."""
        return self.server.log_in(user, DEMO[user])

    def new_user(self, label):
        """Sign a new user up and keep their session: their username (steps 4 on), else "ada".

        A flood needs a user of its own in step 6: the limit counts per user.
        """
        if self.step < 4:
            return "ada"
        username = f"{label}{next(self.numbers)}"
        self.cookies[username] = self.sign_up(username, cases.PASSWORD)
        return username

    def log_out(self, cookie):
        """POST the logout form with this session's cookie; the status (302 when done)."""
        return self.http("POST", "/accounts/logout/", cookie=cookie, form={})[0]

    def post_private(self, user, to, text, timeout=60):
        """Send a private message through POST /inbox/send/: (status or error, seconds).

        A redirect means "saved": the ledger then expects it in both inboxes, once.
        """
        form = {"to": to, "message": text}
        try:
            status, _, _, elapsed = self.http(
                "POST", "/inbox/send/", self.cookies[user], form, timeout=timeout
            )
        except OSError as error:  # a timeout, or the server went away
            return type(error).__name__, timeout
        if status == 302:
            self.told_saved.append((user, to, text))
        return status, elapsed

    def redis_pid(self):
        """The pid of the redis-server of ours."""
        return self.redis.process.pid

    def restart_redis(self):
        """Start redis-server again on the same port, empty, after it was killed."""
        self.redis.process.wait()
        self.redis.start()

    def in_redis(self):
        """What sockets hold in Redis: (group key, member) pairs, or Pub/Sub channels subscribed."""
        if self.layer == "core":
            keys = self.redis.command("--scan", "--pattern", "*group*").split()
            return {(key, member) for key in keys for member in self.zrange(key)}
        return set(self.redis.command("PUBSUB", "CHANNELS").split())

    def zrange(self, key):
        """The members of one sorted set."""
        return self.redis.command("ZRANGE", key, "0", "-1").split()

    def leftovers(self, before):
        """What the case's closed sockets left in Redis beyond BEFORE, as a sentence, or None.

        Cleanup is asynchronous: wait for it up to CLEANUP_SECONDS. Core layer: members of any
        group; Pub/Sub layer: channels that still have a subscriber.
        """
        started = time.monotonic()
        while left := self.in_redis() - before:
            if time.monotonic() - started > CLEANUP_SECONDS:
                kind = "group member(s)" if self.layer == "core" else "subscribed channel(s)"
                sample = " ".join(sorted(str(item) for item in left)[:3])
                return f"{len(left)} {kind} left {CLEANUP_SECONDS} s after the closes: {sample}"
            time.sleep(0.2)
        return None


def first_traceback(log):
    """The first traceback in LOG: the lines before it, then down to its exception line."""
    start = log.find("Traceback (most recent call last)")
    before = log[:start].splitlines()[-2:]
    lines = log[start:].splitlines()
    end = next((n for n, line in enumerate(lines) if n and line[:1] not in " "), len(lines) - 1)
    block = before + lines[: end + 1]
    if len(block) > 40:
        block = [*block[:12], "  …", *block[-24:]]
    return "\n".join(block)


def last_error(log):
    """The exception line that ends the first traceback in LOG, for the report."""
    return first_traceback(log).splitlines()[-1].strip()[:120]


async def run_case(target, case):
    """Run one case; add what the server logged and left behind to its row."""
    mark = len(target.server.log())
    before = await asyncio.to_thread(target.in_redis) if target.redis else set()
    started = time.monotonic()
    try:
        row = await asyncio.wait_for(case.function(target), timeout=300)
    except Exception as error:  # the case itself could not finish: that is a finding too
        row = cases.Row(case.function.__doc__)
        row.broken(f"the case failed: {type(error).__name__}: {error}")
    row.seconds = time.monotonic() - started
    row.name = case.name
    log = target.server.log()[mark:]
    if count := tracebacks(log):
        row.broken(f"{count} traceback(s) in the server log, first: {last_error(log)}")
        row.excerpt = first_traceback(log)
    if target.server.process.poll() is not None:
        row.broken(f"the server exited with {target.server.process.returncode}")
    elif target.redis and (left := await asyncio.to_thread(target.leftovers, before)):
        row.broken(left)
    return row


def print_table(target, rows, quick):
    """The report: a row per case; what was cut from a row; each first traceback in the log."""
    layer = f", {target.layer} layer" if target.step == 6 else ""
    kind = "quick cases" if quick else "every case"
    print(f"attack on step {target.step}{layer}: {kind}, server {target.server.url}")
    widths = (20, 40, 64)
    print(f"{'case':{widths[0]}} {'sent':{widths[1]}} {'came back':{widths[2]}}     s  verdict")
    for row in rows:
        cells = (row.name, row.sent, row.got)
        line = " ".join(f"{clip(c, w):{w}}" for c, w in zip(cells, widths, strict=True))
        verdict = "ok" if not row.problems else "BROKEN: " + "; ".join(row.problems)
        print(f"{line} {row.seconds:5.1f}  {verdict}")
    broken = [row for row in rows if row.problems]
    print(f"{len(rows) - len(broken)} of {len(rows)} ok in {sum(r.seconds for r in rows):.0f} s")
    cut = [row for row in rows if clip(row.got, widths[2]) != row.got]
    if cut:
        print("\nwhat came back, in full:")
    for row in cut:
        print(f"  {row.name}: {row.got}")
    for row in broken:
        if row.excerpt:
            print(f"\n--- {row.name}: the server log around its first traceback ---")
            print(row.excerpt)


def clip(text, width):
    """TEXT on one line, cut to WIDTH characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def chosen_cases(args):
    """The cases to run on this step: --case names, else the quick ones or all of them."""
    chosen = [case for case in CASES if args.step in case.steps]
    if args.case:
        unknown = set(args.case) - {case.name for case in CASES}
        if unknown:
            sys.exit(f"attack.py: no case named {', '.join(sorted(unknown))} (see --list)")
        chosen = [case for case in chosen if case.name in args.case]
        if args.step >= 5 and LEDGER not in chosen:
            chosen.append(LEDGER)  # whatever the cases sent, check the inbox afterwards
    elif args.quick:
        chosen = [case for case in chosen if not case.heavy]
    return chosen


def list_cases():
    """Print each case: quick or heavy, the steps it runs on, what it checks."""
    for case in CASES:
        steps = ",".join(str(step) for step in sorted(case.steps))
        kind = "heavy" if case.heavy else "quick"
        print(f"{case.name:24} {kind:6} steps {steps:10} {case.function.__doc__}")


def parse_args(argv=None):
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", type=int, choices=[2, 3, 4, 5, 6], default=6)
    parser.add_argument("--layer", choices=["core", "pubsub"], default="core", help="step 6")
    parser.add_argument("--quick", action="store_true", help="only the quick cases (CI's run)")
    parser.add_argument("--case", action="append", help="run this case only (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    return parser.parse_args(argv)


def main(argv=None):
    """Serve the step, run the cases, print the table; 0 when every case is ok, else 1."""
    args = parse_args(argv)
    if args.list:
        list_cases()
        return 0
    if args.step == 6 and not shutil.which("redis-server"):
        print("attack.py: step 6 needs redis-server on PATH (apt-get install redis-server)")
        return 2
    chosen = chosen_cases(args)
    with tempfile.TemporaryDirectory(prefix="attack-") as folder:
        target = Target(args.step, args.layer, folder)
        try:
            target.start()
            rows = asyncio.run(run_all(target, chosen))
        finally:
            target.stop()
        print_table(target, rows, args.quick and not args.case)
    return 0 if all(not row.problems for row in rows) else 1


async def run_all(target, chosen):
    """Run the cases one after the other; their rows."""
    return [await run_case(target, case) for case in chosen]


if __name__ == "__main__":
    sys.exit(main())
