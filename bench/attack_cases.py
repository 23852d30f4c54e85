"""Attack cases on what a client sends and who it claims to be; the helpers every case uses.

Each case gets the Target of attack.py as `h`, opens its own sockets, closes them before it
returns, and returns a Row: what it sent, what came back, and each promise the step broke. The
expected answers come from each step's README, section "Contract": an error frame
`{"type": "error", "error": <code>, "detail": <sentence>}` to the sender only, close codes 4401
(session ended) and 4503 (Redis unreachable), HTTP 403 for a refused handshake. Step 2 echoes
every frame, so there the frame cases check the echo. Step 6 lets a user send 10 frames a
second (bursts of 20): like a page, a case that is told `rate_limited` waits as long as the
frame says and sends again; only the floods keep pushing.
"""

import asyncio
import collections
import contextlib
import json
import re
import time
from dataclasses import dataclass, field

from serve import free_port
from websockets.exceptions import ConnectionClosed, InvalidStatus

MIB = 2**20  # Daphne's largest message
PASSWORD = "a-long-attack-password-42"  # for the users the cases sign up


@dataclass
class Row:
    """One line of the report."""

    sent: str
    got: str = ""
    problems: list = field(default_factory=list)
    name: str = ""
    seconds: float = 0.0
    excerpt: str = ""

    def broken(self, reason):
        """Record a promise the step did not keep."""
        self.problems.append(reason)

    def expect(self, condition, reason):
        """Record REASON unless CONDITION holds."""
        if not condition:
            self.broken(reason)


class Relayed:
    """What a valid room frame earns: its message relayed as TEXT (step 3: under NICKNAME)."""

    def __init__(self, text, nickname="anonymous"):
        self.text = text
        self.nickname = nickname


# Reading, sending and comparing frames


def close_code(closed):
    """The close code a ConnectionClosed carries; 1006 when no close frame came."""
    return closed.rcvd.code if closed.rcvd else 1006


async def read_until(ws, done, seconds=10, raw=False):
    """Frames until done(frame), a close or SECONDS: (frames, "done"/"closed N"/"timeout").

    Text frames are decoded from JSON unless RAW (step 2's echoes).
    """
    frames = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                message = await ws.recv()
                frames.append(message if raw or isinstance(message, bytes) else json.loads(message))
                if done(frames[-1]):
                    return frames, "done"
    except TimeoutError:
        return frames, "timeout"
    except ConnectionClosed as closed:
        return frames, f"closed {close_code(closed)}"


async def read_while_busy(ws, done, quiet=5, raw=False):
    """As read_until, but give up only once nothing has come for QUIET seconds (for floods)."""
    frames = []
    while True:
        more, how = await read_until(ws, done, quiet, raw)
        frames += more
        if how != "timeout" or not more:
            return frames, how


def never(frame):
    """For read_until: read until the socket closes or the time is up."""
    return False


def carries(text):
    """For read_until: the frame that carries message TEXT."""
    return lambda frame: isinstance(frame, dict) and frame.get("message") == text


def retry_after(frame):
    """The seconds a rate_limited frame says to wait ("… try again in 0.3 s.")."""
    found = re.search(r"try again in ([0-9.]+) s", frame.get("detail", ""))
    return float(found.group(1)) if found else 0.2


async def answer_to(ws, frame, seconds=10):
    """Send FRAME; the next frame that comes back, or None. Told rate_limited, wait and resend."""
    while True:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(frame)
        frames, _ = await read_until(ws, lambda answer: True, seconds)
        if not frames or frames[0].get("error") != "rate_limited":
            return frames[0] if frames else None
        await asyncio.sleep(retry_after(frames[0]))


async def send_private(h, ws, to, text, sender="ada"):
    """Send a private message on inbox socket WS: its "private" frame (told saved), or None."""
    frame = json.dumps({"to": to, "message": text})
    while True:
        await ws.send(frame)
        frames, _ = await read_until(ws, lambda f: f.get("message") == text or f["type"] == "error")
        if not frames or frames[-1].get("error") != "rate_limited":
            break
        await asyncio.sleep(retry_after(frames[-1]))
    private = frames[-1] if frames and frames[-1].get("message") == text else None
    if private:
        h.told_saved.append((sender, private["to"], text))
    else:
        h.told_refused.append((sender, to, text))
    return private


def kinds(frames):
    """What came back, counted: "invalid_json×2, message×1"."""
    counted = collections.Counter(
        frame.get("error", frame.get("type")) if isinstance(frame, dict) else "bytes"
        for frame in frames
    )
    return ", ".join(f"{kind}×{count}" for kind, count in counted.items()) or "nothing"


def is_error(frame, code):
    """Whether FRAME is exactly an error frame with CODE and a sentence as its detail."""
    return (
        isinstance(frame, dict)
        and set(frame) == {"type", "error", "detail"}
        and frame["type"] == "error"
        and frame["error"] == code
        and " " in frame["detail"]
        and frame["detail"].endswith(".")
    )


def short(frame):
    """A frame, cut for a sentence of the report."""
    text = repr(frame)
    return text if len(text) < 90 else text[:90] + "…"


def room_frame(h, room, expected):
    """The message frame a Relayed arrives as in ROOM."""
    username = expected.nickname if h.step == 3 else "ada"
    return {"type": "message", "room": room, "username": username, "message": expected.text}


async def probe(h, sent, room, frames, expected):
    """Send FRAMES one by one on a socket of ROOM, then a good one; check answers and the room.

    EXPECTED holds, for each frame, the error code it earns or a Relayed. Step 2 echoes every
    frame instead (an empty one: nothing), on both of its consumers.
    """
    if h.step == 2:
        return await probe_echo(h, sent, frames)
    row = Row(sent)
    marker = h.text("marker")
    async with h.connect(h.room(room)) as sender, h.connect(h.room(room), "grace") as listener:
        answers = [await answer_to(sender, frame) for frame in frames]
        last = await answer_to(sender, json.dumps({"message": marker}))
        heard, heard_how = await read_until(listener, carries(marker))
    row.expect(carries(marker)(last), f"the good frame after them got {short(last)}")
    row.expect(heard_how == "done", f"the listener never heard the good frame ({heard_how})")
    heard = heard[:-1]
    row.got = f"{kinds(answers)}; room heard {len(heard)}"
    for number, (frame, want, got) in enumerate(zip(frames, expected, answers, strict=True), 1):
        if isinstance(want, Relayed):
            want = room_frame(h, room, want)
            ok = got == want
        else:
            ok = is_error(got, want)
        row.expect(ok, f"frame {number} {short(frame)}: wanted {short(want)}, got {short(got)}")
    relayed = [room_frame(h, room, want) for want in expected if isinstance(want, Relayed)]
    row.expect(heard == relayed, f"the room heard {kinds(heard)}, wanted {kinds(relayed)}")
    return row


async def probe_echo(h, sent, frames):
    """Step 2: each frame comes back unchanged on both echo consumers; an empty one, nothing."""
    row = Row(sent)
    for path in ("/ws/echo/", "/ws/echo/sync/"):
        marker = h.text("marker")
        async with h.connect(path) as ws:
            for frame in frames:
                await ws.send(frame)
            await ws.send(marker)
            echoes, how = await read_until(ws, lambda echo, end=marker: echo == end, raw=True)
        row.expect(how == "done", f"{path}: the last frame never came back ({how})")
        wanted = [frame for frame in frames if len(frame)] + [marker]
        row.expect(echoes == wanted, f"{path}: {len(echoes)} echoes, not the {len(wanted)} sent")
    row.got = f"{len(frames)} frames echoed unchanged (empty ones: nothing), on both consumers"
    return row


async def handshake(h, path, **options):
    """Try a handshake on PATH and close at once: "accepted", "HTTP 403", or the error's name."""
    try:
        async with h.connect(path, **options):
            return "accepted"
    except InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"
    except Exception as error:  # dropped, timed out: the report says which
        return type(error).__name__


async def chats(h, room, seconds=10):
    """Whether two new sockets in ROOM chat within SECONDS, trying again as a page would."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = h.text("chat")
        with contextlib.suppress(Exception):
            async with h.connect(h.room(room)) as one, h.connect(h.room(room), "grace") as two:
                if h.step == 2:
                    await one.send(text)
                    return await asyncio.wait_for(one.recv(), 5) == text
                if carries(text)(await answer_to(one, json.dumps({"message": text}))):
                    return (await read_until(two, carries(text), 5))[1] == "done"
        await asyncio.sleep(0.5)
    return False


# Frames: what bad input gets (steps 3 on: an error frame; step 2: its echo)


async def malformed_json(h):
    """Text that is not JSON gets invalid_json; the socket stays open, the room hears nothing."""
    frames = [
        '{"message": "hi"',
        "{'message': 'hi'}",
        "",
        '{"message": "hi",}',
        "undefined",
        '\ufeff{"message": "hi"}',
        '{"message": "a"} {"message": "b"}',
    ]
    sent = "truncated, single quotes, empty, trailing comma, BOM, two objects"
    return await probe(h, sent, "malformed", frames, ["invalid_json"] * len(frames))


async def not_an_object(h):
    """JSON that is not an object gets not_an_object."""
    frames = ["[1, 2]", '"hi"', "42", "null", "true", "[]", '[{"message": "hi"}]']
    sent = 'array, string, number, null, true, [], [{"message"}]'
    return await probe(h, sent, "not-object", frames, ["not_an_object"] * len(frames))


async def deep_nesting(h):
    """5,000 nested arrays, alone or inside a message, get too_deeply_nested, not a crash."""
    frames = ["[" * 5000, "[" * 5000 + "]" * 5000, '{"message": ' + "[" * 5000 + "]" * 5000 + "}"]
    frames.append("[" * 500 + "]" * 500)
    expected = ["too_deeply_nested"] * 3 + ["not_an_object"]
    return await probe(h, "5,000 [ (open, closed, in a message), 500 [", "deep", frames, expected)


async def wrong_types(h):
    """A message that is not a string gets invalid_message; a username of the wrong type too."""
    values = ["42", "null", "true", '["hi"]', '{"text": "hi"}', "1e999", "NaN"]
    frames = ['{"message": ' + value + "}" for value in values]
    expected = ["invalid_message"] * len(values)
    for value in ("42", "null", '["ada"]'):
        frames.append('{"message": "hi", "username": ' + value + "}")
        # Step 3 checks the nickname; from step 4 on a "username" key is ignored.
        expected.append("invalid_username" if h.step == 3 else Relayed("hi"))
    sent = "message 42/null/true/list/object/1e999/NaN; username 42/null/list"
    return await probe(h, sent, "types", frames, expected)


async def missing_fields(h):
    """A frame with no "message" key (or a near miss of it) gets missing_message."""
    frames = [
        "{}",
        '{"text": "hi"}',
        '{"Message": "hi"}',
        '{"message ": "hi"}',
        '{"username": "a"}',
    ]
    sent = '{}, "text", "Message", "message ", only "username"'
    return await probe(h, sent, "missing", frames, ["missing_message"] * len(frames))


async def extra_keys(h):
    """A client's "type", "room" or a repeated key changes nothing: relayed as a plain message."""
    frames = [
        '{"message": "a", "type": "websocket.disconnect"}',
        '{"message": "b", "type": "session.ended"}',
        '{"message": "c", "type": "user.sessions.ended", "keep": "x"}',
        '{"message": "d", "room": "elsewhere"}',
        '{"message": "first", "message": "second"}',
    ]
    expected = [Relayed(text) for text in ("a", "b", "c", "d", "second")]
    sent = 'type websocket.disconnect/session.ended, room, "message" twice'
    return await probe(h, sent, "extra", frames, expected)


async def blank_message(h):
    """A message that is only white space (Unicode's included) gets blank_message."""
    blanks = ["", " ", "\t\n\r", "\u00a0", "\u3000", "\u2028\u2029", "\u0085 \u2003"]
    frames = [json.dumps({"message": text}) for text in blanks]
    sent = "empty, spaces, tab/newline, NBSP, ideographic space, U+2028, U+2003"
    return await probe(h, sent, "blank", frames, ["blank_message"] * len(frames))


async def message_length(h):
    """2,000 characters pass (trimmed first); 2,001 get message_too_long, as does nearly 1 MiB."""
    texts = ["x" * 2000, "  " + "y" * 2000 + "\n", "é" * 2000, "z" * 2001, "é" * 2001]
    frames = [json.dumps({"message": text}, ensure_ascii=False) for text in texts]
    frames.append('{"message": "' + "w" * (MIB - 20) + '"}')
    expected = [Relayed("x" * 2000), Relayed("y" * 2000), Relayed("é" * 2000)]
    expected += ["message_too_long"] * 3
    sent = "2,000 chars, 2,000 in spaces, 2,000 é, 2,001, 2,001 é, 1 MiB - 5 bytes"
    return await probe(h, sent, "length", frames, expected)


async def lone_surrogate(h):
    """A lone surrogate escaped in JSON ("\\ud800") gets invalid_message (a pair is fine)."""
    frames = [
        r'{"message": "\ud800"}',
        r'{"message": "a\udfffb"}',
        r'{"message": "\ude00\ud83d"}',
        r'{"message": "\ud83d\ude00"}',
        r'{"message": "hi", "username": "\ud800"}',
    ]
    expected = ["invalid_message"] * 3 + [Relayed("\U0001f600")]
    expected.append("invalid_username" if h.step == 3 else Relayed("hi"))
    sent = r"\ud800, a\udfffb, reversed pair, a pair (😀), nickname \ud800"
    return await probe(h, sent, "surrogate", frames, expected)


async def nul_and_controls(h):
    """NUL gets invalid_message (raw in JSON: invalid_json); other controls are relayed as text."""
    frames = [
        r'{"message": "\u0000"}',
        r'{"message": "a\u0000b"}',
        '{"message": "a\x00b"}',
        r'{"message": "bell\u0007 esc\u001b[31m red"}',
        r'{"message": "hi", "username": "a\u0000"}',
    ]
    expected = ["invalid_message", "invalid_message", "invalid_json"]
    expected.append(Relayed("bell\x07 esc\x1b[31m red"))
    expected.append("invalid_username" if h.step == 3 else Relayed("hi"))
    sent = r"\u0000, a\u0000b, raw NUL, BEL and ANSI escape, nickname with NUL"
    return await probe(h, sent, "nul", frames, expected)


async def unicode_text(h):
    """RTL overrides, emoji, combining marks, a 2,000-character grapheme: relayed unchanged."""
    texts = [
        "abc\u202edcba\u202c",  # right-to-left override
        "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # one emoji of three, joined
        "e\u0301" * 10,  # combining accents
        "a" + "\u0301" * 1999,  # one grapheme of 2,000 characters
        "\U0001f389" * 2000,  # 2,000 characters of 4 bytes (4,000 UTF-16 units)
        "\u200b",  # zero-width space: not white space, so not blank
        "\ufeffhi",
        "\uffff",
        "\U0010ffff",
        "\uff4c\uff4f\uff42\uff42\uff59",  # fullwidth "lobby"
        "\u0627\u0644\u0633\u0644\u0627\u0645",
    ]
    frames = [json.dumps({"message": t}, ensure_ascii=n % 2 == 0) for n, t in enumerate(texts)]
    expected = [Relayed(text) for text in texts]
    frames.append(json.dumps({"message": "a" + "\u0301" * 2000}))
    expected.append("message_too_long")
    frames.append(json.dumps({"message": "hi", "username": "\U0001f469\u200d\U0001f469"}))
    expected.append(Relayed("hi", "\U0001f469\u200d\U0001f469"))
    sent = "RTL override, ZWJ emoji, combining, 2,000-char grapheme, 2,000 🎉, ZWSP, BOM, …"
    return await probe(h, sent, "unicode", frames, expected)


async def binary_frame(h):
    """A binary frame (even of valid JSON, even empty) gets binary_frame."""
    frames = [b'{"message": "hi"}', b"\x00\xff\xfe", b""]
    return await probe(h, "JSON as bytes, 00 ff fe, empty", "binary", frames, ["binary_frame"] * 3)


async def invalid_utf8(h):
    """A text frame that is not UTF-8 ends that socket only; no traceback, new sockets chat."""
    row = Row(r"text frames b'\xff' and an encoded surrogate b'\xed\xa0\x80'")
    endings = []
    for payload in (b'{"message": "\xff"}', b'{"message": "\xed\xa0\x80"}'):
        async with h.connect(h.room("utf8")) as ws:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(payload, text=True)
            frames, how = await read_until(ws, never, seconds=5)
        endings.append(how)
        row.expect(how in ("closed 1007", "closed 1006"), f"{payload!r}: {kinds(frames)}, {how}")
    row.expect(await chats(h, "utf8"), "new sockets could not chat afterwards")
    row.got = ", ".join(endings) + "; then new sockets chat"
    return row


async def oversize_frame(h):
    """A frame over Daphne's 1 MiB drops that socket only; the room hears nothing; new ones chat."""
    row = Row("a text frame of 1 MiB + 15 bytes")
    path = h.room("oversize")
    async with h.connect(path, "grace") as listener:
        async with h.connect(path) as ws:
            with contextlib.suppress(ConnectionClosed):
                await ws.send('{"message": "' + "x" * MIB + '"}')
            frames, how = await read_until(ws, never, seconds=10)
        row.expect(how in ("closed 1006", "closed 1009"), f"the big frame's socket: {how}")
        row.expect(await chats(h, "oversize"), "new sockets could not chat afterwards")
        heard, _ = await read_until(listener, never, seconds=0.5)
    if h.step > 2:
        big = [frame for frame in heard if len(frame.get("message", "")) > 2000]
        row.expect(not big, "the room heard the oversize message")
    row.got = f"{kinds(frames)}, {how}; a new socket chats"
    return row


# Identities: who a message is from comes from the session, never from the frame


async def forged_identity(h):
    """A frame's username/user/sender/from are ignored: the session names the sender."""
    forged = {"username": "grace", "user": "grace", "sender": "grace", "from": "grace", "uid": 2}
    frames = [
        json.dumps({"message": "m1", **forged}),
        json.dumps({"message": "m2", "username": {"username": "grace"}}),
        json.dumps({"message": "m3", "username": "n" * 31}),
        json.dumps({"message": "m4", "username": "   "}),
    ]
    if h.step == 3:  # the nickname is whatever the user typed: step 4 exists to fix that
        expected = [Relayed("m1", "grace"), "invalid_username", "username_too_long", Relayed("m4")]
    else:
        expected = [Relayed(text) for text in ("m1", "m2", "m3", "m4")]
    sent = "username/user/sender/from = grace, uid 2; username object, 31 chars, blank"
    return await probe(h, sent, "forged", frames, expected)


async def logged_out_session(h):
    """A logout closes its sockets with 4401; its cookie, or a made-up one, opens no socket."""
    row = Row("logout under an open socket; the old cookie, a made-up one, none")
    cookie = await asyncio.to_thread(h.new_session, "ada")
    path = h.room("logout")
    async with h.connect(path, None, headers={"Cookie": cookie}) as ws, h.connect(path) as other:
        status = await asyncio.to_thread(h.log_out, cookie)
        started = time.monotonic()
        _, how = await read_until(ws, never, seconds=5)
        closed_after = time.monotonic() - started
        row.expect(status == 302, f"the logout answered {status}")
        row.expect(how == "closed 4401", f"the logged-out socket: {how}")
        row.expect(closed_after < 2, f"the logged-out socket closed after {closed_after:.1f} s")
        marker = h.text("still here")
        answer = await answer_to(other, json.dumps({"message": marker}))
        row.expect(carries(marker)(answer), f"another session's socket got {short(answer)}")
    answers = set()
    paths = [path, "/ws/inbox/"] if h.step >= 5 else [path]
    for label, value in (("old", cookie), ("made-up", "sessionid=not-a-session"), ("no", "")):
        for where in paths:
            headers = {"Cookie": value} if value else {}
            answer = await handshake(h, where, user=None, headers=headers)
            answers.add(answer)
            row.expect(answer == "HTTP 403", f"{label} cookie on {where}: {answer}")
    row.got = f"{how} after {closed_after:.1f} s; new handshakes: {', '.join(sorted(answers))}"
    return row


async def deleted_user(h):
    """A user deleted under open sockets: 4401, or (in-memory layer) an error frame; no crash."""
    row = Row("delete a user (manage.py shell) under open sockets, then send")
    name = h.text("mallory").replace(" #", "")
    cookie = await asyncio.to_thread(h.sign_up, name, PASSWORD)
    if cookie is None:
        row.broken(f"could not sign {name} up")
        return row
    headers = {"Cookie": cookie}
    frames = {h.room("deleted"): {"message": "after"}}
    if h.step >= 5:
        frames["/ws/inbox/"] = {"to": "grace", "message": h.text("from the deleted")}
        h.told_refused.append((name, "grace", frames["/ws/inbox/"]["message"]))
    outcomes = []
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(h.connect(p, None, headers=headers)) for p in frames
        ]
        code = f"from accounts.models import User; User.objects.filter(username={name!r}).delete()"
        await asyncio.to_thread(h.server.manage, "shell", "-c", code)
        ends = await asyncio.gather(*(read_until(ws, never, 1.5) for ws in sockets))
        for ws, (path, frame), (_, how) in zip(sockets, frames.items(), ends, strict=True):
            if how != "timeout":  # closed by the server, as the contract says: with 4401
                row.expect(how == "closed 4401", f"{path}: {how}")
                outcomes.append(how)
                continue
            # Still open: the in-memory layer of steps 4 and 5 cannot hear manage.py's process.
            answer = await answer_to(ws, json.dumps(frame))
            outcomes.append(f"open, then {kinds([answer]) if answer else 'nothing'}")
            if "to" in frame:
                row.expect(is_error(answer, "not_saved"), f"inbox send: {short(answer)}")
            else:  # a room message saves nothing: relayed under the name the socket opened with
                row.expect(answer and answer.get("username") == name, f"room: {short(answer)}")
    answer = await handshake(h, h.room("deleted"), user=None, headers=headers)
    row.expect(answer == "HTTP 403", f"the deleted user's cookie opened a socket: {answer}")
    row.got = "; ".join(outcomes) + f"; new handshake {answer}"
    return row


async def lookalike_signup(h):
    """Sign-up refuses a Cyrillic, fullwidth, zero-width or case look-alike of "ada"."""
    row = Row("sign up аda (Cyrillic а), ａｄａ, ada+ZWSP, Ada, then a fresh name")
    for name in ("\u0430da", "\uff41\uff44\uff41", "ada\u200b", "Ada"):
        cookie = await asyncio.to_thread(h.sign_up, name, PASSWORD)
        row.expect(cookie is None, f"{name!r} was signed up beside ada")
    fresh = h.text("fresh").replace(" #", "")
    row.expect(await asyncio.to_thread(h.sign_up, fresh, PASSWORD), f"{fresh} was refused")
    row.got = "the 4 look-alikes refused, the fresh name signed up"
    return row


async def login_throttle(h):
    """After 10 wrong passwords for a username, even the right one is refused for a while."""
    row = Row("10 wrong passwords for a new user, then the right one")
    name = h.text("guessed").replace(" #", "")
    await asyncio.to_thread(h.sign_up, name, PASSWORD)
    for number in range(10):
        form = {"username": name, "password": f"wrong-{number}"}
        status = (await asyncio.to_thread(h.http, "POST", "/accounts/login/", form=form))[0]
        row.expect(status == 200, f"wrong password {number + 1} answered {status}")
    form = {"username": name, "password": PASSWORD}
    status, _, body, _ = await asyncio.to_thread(h.http, "POST", "/accounts/login/", form=form)
    locked = status == 200 and "Too many failed logins" in body
    row.expect(locked, f"the right password after 10 wrong ones answered {status}")
    row.got = "10 × 200, then " + ("200 Too many failed logins" if locked else str(status))
    return row


# Handshakes: origins, hosts, paths


async def origin_tricks(h):
    """Only the page's own origin opens a socket: none, foreign, other port, https, null: 403."""
    row = Row("no Origin, foreign, suffix, other port, https, null, no port, …")
    port = h.server.port
    origins = {
        "none": None,
        "foreign": "http://evil.example",
        "suffix": "http://127.0.0.1.evil.example",
        "other port": f"http://127.0.0.1:{free_port()}",
        "https": f"https://127.0.0.1:{port}",
        "null": "null",
        "no port": "http://127.0.0.1",
        "trailing slash": f"http://127.0.0.1:{port}/",
        "localhost": f"http://localhost:{port}",
        "ws scheme": f"ws://127.0.0.1:{port}",
        "two origins": f"http://127.0.0.1:{port} http://evil.example",
    }
    path = h.room("origins")
    answers = collections.Counter()
    for label, origin in origins.items():
        answer = await handshake(h, path, origin=origin)
        answers[answer] += 1
        # 403 from the origin check; Daphne itself answers 400 to an Origin it cannot parse.
        row.expect(answer in ("HTTP 403", "HTTP 400"), f"{label} origin {origin!r}: {answer}")
    host = f"evil.example:{port}"
    answer = await handshake(h, path, host="evil.example", origin=f"http://{host}")
    row.expect(answer == "HTTP 403", f"Host and Origin {host}: {answer}")
    answer = await handshake(h, path)
    row.expect(answer == "accepted", f"the page's own origin: {answer}")
    refused = ", ".join(f"{count} × {answer[5:]}" for answer, count in answers.items())
    row.got = f"refused: {refused}, and 403 for Host evil.example; own origin accepted"
    return row


REFUSED_PATHS = {
    2: [
        "/ws/echo/0x/",
        "/ws/echo/9x/",
        "/ws/echo/%D9%A3x/",  # an Arabic-Indic three
        "/ws/echo/%2e%2e/",
        "/ws/nowhere/",
        "/ws/echo",
        "/ws/echo/extra/",
        "/ws/echo/1x/%0A",
        "/ws/echo/%00/",
        "/",
    ],
    3: [
        "/ws/chat/l%D0%BEbby/",  # a Cyrillic о
        "/ws/chat/%EF%BD%8C%EF%BD%8F%EF%BD%82%EF%BD%82%EF%BD%99/",  # fullwidth "lobby"
        "/ws/chat/" + "a" * 51 + "/",
        "/ws/chat/../admin/",
        "/ws/chat/%2e%2e/",
        "/ws/chat/lobby%2F..%2Fadmin/",
        "/ws/chat/lobby%00/",
        "/ws/chat/%D9%A3%D9%A4/",
        "/ws/chat/a%20b/",
        "/ws/chat/caf%C3%A9/",
        "/ws/chat//",
        "/ws/chat/lobby/%0A",
        "/ws/chat/lobby",
        "/ws/chat/lobby/extra/",
        "/ws/echo/",
    ],
    5: ["/ws/inbox/extra/", "/ws/inbox", "/ws/inbox/%0A"],
}
ACCEPTED_PATHS = {2: ["/ws/echo/5x/"], 3: ["/ws/chat/" + "a" * 50 + "/", "/ws/chat/A-_z9/"]}


async def room_names(h):
    """Look-alike, too long, dotted or encoded room names and paths are refused at the handshake."""
    refused = REFUSED_PATHS[min(h.step, 3)] + (REFUSED_PATHS[5] if h.step >= 5 else [])
    accepted = ACCEPTED_PATHS[min(h.step, 3)]
    row = Row(f"{len(refused)} paths: Cyrillic о, fullwidth, 51 chars, .., %2F, %00, %0A, …")
    for path in refused:
        answer = await handshake(h, path)
        row.expect(answer == "HTTP 403", f"{path}: {answer}")
    for path in accepted:
        answer = await handshake(h, path)
        row.expect(answer == "accepted", f"{path}: {answer}")
    row.got = f"{len(refused)} refused (403), {len(accepted)} valid ones accepted"
    return row


async def bad_host(h):
    """A request for another Host gets 400, a missing page 404: no setting shown, no traceback."""
    row = Row("GET / with Host evil.example; GET /no-such-page/")
    status, _, body, _ = await asyncio.to_thread(h.http, "GET", "/", host="evil.example")
    row.expect(status == 400, f"Host evil.example answered {status}")
    missing, _, body404, _ = await asyncio.to_thread(h.http, "GET", "/no-such-page/")
    row.expect(missing == 404, f"a missing page answered {missing}")
    for leak in ("redis://", "REDIS_URL", "SECRET_KEY", "only-for-benchmarks", "URLconf"):
        row.expect(leak not in body + body404, f"an error page shows {leak!r}")
    row.got = f"{status}, {missing}; no setting shown"
    return row
