"""Attack cases under load: floods, half-open connections, bursts, mass leaving, losing Redis.

Same shape as attack_cases.py: each case gets the Target of attack.py as `h` and returns a Row.
The floods do not wait when step 6 says `rate_limited`: they check that whatever the server
accepted (what came back to the sender) reached the room, once and in order.
"""

import asyncio
import collections
import contextlib
import json
import os
import signal
import time

from attack_cases import (
    Row,
    answer_to,
    carries,
    chats,
    handshake,
    is_error,
    kinds,
    never,
    read_until,
    read_while_busy,
    send_private,
)
from storm import Client
from websockets.exceptions import ConnectionClosed

FREEZE_SECONDS = 12  # longer than the layer's socket_timeout (10 s)
OUTAGE_SENDS = 15  # seconds a POST may take while Redis is gone (the contract allows 25)


async def flood(h):
    """One client sends 1,000 frames as fast as it can: nothing accepted is lost, others chat on."""
    return await flood_room(h, senders=1, count=1000)


async def flood_many(h):
    """Ten clients send 1,000 frames each at once: nothing accepted is lost, others chat on."""
    return await flood_room(h, senders=10, count=1000)


async def flood_room(h, senders, count):
    """SENDERS sockets flood a room with COUNT frames each while a bystander chats beside them."""
    row = Row(f"{senders} × {count:,} frames at once, 5 from a bystander")
    path = h.room("flood")
    user = await asyncio.to_thread(h.new_user, "flooder")  # a full budget in step 6
    async with contextlib.AsyncExitStack() as stack:
        flooders = [await stack.enter_async_context(h.connect(path, user)) for _ in range(senders)]
        bystander = await stack.enter_async_context(h.connect(path, "grace"))
        listener = await stack.enter_async_context(h.connect(path, "grace"))
        results = await asyncio.gather(
            *(flood_one(h, ws, f"f{n}.", count) for n, ws in enumerate(flooders)),
            flood_one(h, bystander, "by.", 5, pause=0.05),
        )
        if h.step == 2:
            short = [result["prefix"] for result in results if result["own"] != result["sent"]]
            row.expect(not short, f"echoes missing or out of order on {short}")
            row.got = f"{sum(len(result['own']) for result in results):,} echoes, all in order"
            return row
        pending = {result["own"][-1] for result in results if result["own"]}

        def heard_everything(frame):
            pending.discard(frame.get("message"))
            return not pending

        heard, how = await read_while_busy(listener, heard_everything)
        heard += (await read_until(listener, never, seconds=1))[0]  # those a closed flooder missed
    row.expect(how == "done", f"the listener stopped hearing ({how}), {len(pending)} short")
    for result in results:
        prefix, own = result["prefix"], result["own"]
        got = [f["message"] for f in heard if f.get("message", "").startswith(prefix)]
        numbers = [int(text.removeprefix(prefix)) for text in got]
        row.expect(numbers == sorted(set(numbers)), f"{prefix}: the room heard some twice or late")
        lost = set(own) - set(got)
        row.expect(not lost, f"{prefix}: {len(lost)} came back to the sender, not to the room")
        if result["end"] == "open" and not result["errors"]:  # no limit: every one accepted
            row.expect(got == result["sent"], f"{prefix}: the room heard {len(got)} of {count}")
    row.expect(len(results[-1]["own"]) == 5, "the bystander's messages were not all relayed")
    accepted = sum(1 for f in heard if f.get("message", "").startswith("f"))
    refused = collections.Counter(code for result in results[:-1] for code in result["errors"])
    ends = collections.Counter(result["end"] for result in results[:-1])
    row.got = (
        f"the room heard {accepted:,}, in order; refused {dict(refused) or 0}; "
        f"flooders {', '.join(ends)}"
    )
    return row


async def flood_one(h, ws, prefix, count, pause=0.0):
    """Send COUNT messages PREFIX0, PREFIX1 … on WS; what came back of them, and how it ended."""
    sent = [f"{prefix}{n}" for n in range(count)]
    with contextlib.suppress(ConnectionClosed):
        for text in sent:
            await ws.send(text if h.step == 2 else json.dumps({"message": text}))
            await asyncio.sleep(pause)
    if h.step == 2:
        frames, how = await read_while_busy(ws, lambda echo: echo == sent[-1], raw=True)
        return {"prefix": prefix, "sent": sent, "own": frames, "errors": [], "end": how}
    frames, how = await read_while_busy(ws, carries(sent[-1]))
    own = [f["message"] for f in frames if f.get("message", "").startswith(prefix)]
    errors = [f["error"] for f in frames if f["type"] == "error"]
    end = "open" if how == "done" else how
    return {"prefix": prefix, "sent": sent, "own": own, "errors": errors, "end": end}


async def inbox_flood(h):
    """1,000 private messages at once: each one saved reaches the recipient once, in order."""
    row = Row("1,000 private messages to grace, as fast as the socket takes them")
    texts = [h.text("inbox flood") for _ in range(1000)]
    user = await asyncio.to_thread(h.new_user, "flooder")
    async with h.connect("/ws/inbox/", user) as sender, h.connect("/ws/inbox/", "grace") as grace:
        with contextlib.suppress(ConnectionClosed):
            for text in texts:
                await sender.send(json.dumps({"to": "grace", "message": text}))
        frames, how = await read_while_busy(sender, carries(texts[-1]))
        told = [frame for frame in frames if frame["type"] == "private"]
        h.told_saved += [(user, "grace", frame["message"]) for frame in told]
        last = told[-1]["message"] if told else None
        heard, _ = await read_while_busy(grace, carries(last)) if told else ([], "")
    refused = collections.Counter(frame["error"] for frame in frames if frame["type"] == "error")
    # Whatever was not answered with its "private" frame must not be saved either.
    saved = {frame["message"] for frame in told}
    h.told_refused += [(user, "grace", text) for text in texts if text not in saved]
    row.expect(how == "done" or refused, f"the sender's socket: {how} after {len(frames)} frames")
    row.expect([f["id"] for f in heard] == [f["id"] for f in told], "grace's tab missed some")
    end = "open" if how == "done" else how
    row.got = f"{len(told):,} saved, all delivered in order; refused {dict(refused) or 0}; {end}"
    return row


async def slowloris(h):
    """200 connections that never finish their handshake do not keep a real page out."""
    row = Row("200 TCP connections sending half a handshake, then a real page")
    path = h.room("slowloris")
    writers = []
    for _ in range(200):
        _, writer = await asyncio.open_connection("127.0.0.1", h.server.port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{h.server.port}\r\n".encode())
        writers.append(writer)
    started = time.monotonic()
    works = await chats(h, "slowloris", seconds=10)
    took = time.monotonic() - started
    for writer in writers:
        writer.close()
    row.expect(works, "a real page could not chat beside them within 10 s")
    row.got = f"a real page chatted after {took:.1f} s"
    return row


async def open_many(h, path, count, deadline=30):
    """COUNT pages opening PATH at once, each retrying as socket.js does, for DEADLINE seconds."""
    cookies = [h.cookies.get(user, "") for user in ("ada", "grace")]
    url = h.server.ws_url + path
    clients = [Client(url, h.server.url, cookies[n % 2], "page") for n in range(count)]
    started = time.monotonic()
    await asyncio.gather(*(client.run(started, started + deadline) for client in clients))
    return clients


async def handshake_burst(h):
    """200 handshakes at once all open (retrying as the page does); one message reaches all."""
    return await burst(h, 200)


async def handshake_burst_2000(h):
    """2,000 handshakes at once all open within 30 s (retrying as the page does)."""
    return await burst(h, 2000)


async def burst(h, count):
    """Open COUNT sockets in one room at once; one message (step 2: each echo) reaches every one."""
    row = Row(f"{count:,} handshakes at once, retried as the page does")
    clients = await open_many(h, h.room("burst"), count)
    opened = [client for client in clients if client.socket]
    failures = collections.Counter()
    for client in clients:
        failures.update(client.failures)
    row.expect(len(opened) == count, f"{count - len(opened)} never opened: {dict(failures)}")
    text = h.text("to all")
    got = []
    if opened and h.step == 2:
        await asyncio.gather(*(client.socket.send(text) for client in opened))
        got = await asyncio.gather(
            *(read_until(c.socket, lambda echo: echo == text, 15, raw=True) for c in opened)
        )
    elif opened:
        await answer_to(opened[0].socket, json.dumps({"message": text}))
        got = await asyncio.gather(*(read_until(c.socket, carries(text), 15) for c in opened[1:]))
    reached = sum(how == "done" for _, how in got) + (h.step > 2 and bool(opened))
    row.expect(reached == len(opened), f"the message reached {reached} of {len(opened)}")
    await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
    slowest = max((client.opened_after for client in opened), default=0)
    retries = sum(client.attempts for client in clients) - count
    row.got = f"{len(opened):,} open, the last after {slowest:.1f} s ({retries} retries); "
    row.got += f"the message reached {reached:,}"
    return row


async def mass_disconnect(h):
    """200 sockets leave at once (half without a close frame): nothing is left behind."""
    return await leave_at_once(h, 200)


async def mass_disconnect_2000(h):
    """2,000 sockets leave at once (half without a close frame): nothing is left behind."""
    return await leave_at_once(h, 2000)


async def leave_at_once(h, count):
    """Open COUNT sockets in a room, drop half and close half at once; then new ones chat."""
    row = Row(f"{count:,} sockets: half dropped (no close frame), half closed, at once")
    clients = await open_many(h, h.room("leave"), count)
    opened = [client.socket for client in clients if client.socket]  # burst() counts the rest
    started = time.monotonic()
    for ws in opened[::2]:
        ws.transport.abort()
    await asyncio.gather(*(ws.close() for ws in opened[1::2]), return_exceptions=True)
    took = time.monotonic() - started
    row.expect(await chats(h, "leave"), "new sockets could not chat afterwards")
    row.got = f"{len(opened):,} of {count:,} opened, all gone in {took:.1f} s; new sockets chat"
    return row


# Redis lost under a running step 6: killed, or frozen


async def redis_killed(h):
    """Redis killed mid-chat: 4503 and a warning per socket, a POST answers, then all comes back."""
    return await lose_redis(h, "killed")


async def redis_frozen(h):
    """Redis frozen 12 s mid-chat: each send ends, a POST answers within 15 s; then all is back."""
    return await lose_redis(h, "frozen")


async def lose_redis(h, how):
    """Kill Redis (then start it again on its port) or freeze it, with traffic on every socket.

    Ada has a room socket that sends and an inbox socket that sends; grace has one of each that
    only listen; ada also posts the inbox form, and a new page tries to open a socket.
    """
    outage = "SIGKILL, restarted" if how == "killed" else f"SIGSTOP {FREEZE_SECONDS} s, SIGCONT"
    row = Row(f"redis-server {outage}, under 4 sockets sending or listening, a POST, a handshake")
    mark = len(h.server.log())
    room = h.room("outage")
    room_text, private_text, posted = h.text("room"), h.text("private"), h.text("posted")
    idle_seconds = FREEZE_SECONDS + 3 if how == "frozen" else 10 if h.layer == "core" else 3
    async with contextlib.AsyncExitStack() as stack:
        talker = await stack.enter_async_context(h.connect(room))
        listener = await stack.enter_async_context(h.connect(room, "grace"))
        inbox = await stack.enter_async_context(h.connect("/ws/inbox/"))
        grace = await stack.enter_async_context(h.connect("/ws/inbox/", "grace"))
        before = await send_private(h, inbox, "grace", h.text("before"))
        await read_until(grace, carries(before["message"]))
        os.kill(h.redis_pid(), signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        thaw = asyncio.create_task(thaw_later(h, FREEZE_SECONDS if how == "frozen" else 0))
        try:
            with contextlib.suppress(ConnectionClosed):
                await talker.send(json.dumps({"message": room_text}))
            with contextlib.suppress(ConnectionClosed):
                await inbox.send(json.dumps({"to": "grace", "message": private_text}))
            (status, post_took), talked, told, *idle, meanwhile = await asyncio.gather(
                asyncio.to_thread(h.post_private, "ada", "grace", posted),
                read_until(talker, carries(room_text), 30),
                read_private_sender(inbox, private_text),
                read_until(listener, never, idle_seconds),
                read_until(grace, never, idle_seconds),
                handshake(h, room, open_timeout=30),
            )
        finally:
            await thaw
        if how == "killed":
            await asyncio.to_thread(h.restart_redis)
        back = await chats(h, "outage")
        end = h.text("after")
        async with h.connect(f"/ws/inbox/?after={before['id']}", "grace") as resumed:
            await resumed.send(json.dumps({"to": "grace", "message": end}))
            replayed, replay_end = await read_until(resumed, carries(end), 10)
    if replay_end == "done":
        h.told_saved.append(("grace", "grace", end))
    (talker_frames, talker_end), (inbox_frames, inbox_end) = talked, told
    if talker_end != "done":  # not relayed: then not_sent (if it got that far), and 4503
        ok = talker_end == "closed 4503" and all(is_error(f, "not_sent") for f in talker_frames)
        row.expect(ok, f"the room sender got {kinds(talker_frames)}, {talker_end}")
    was_told = any(frame.get("message") == private_text for frame in inbox_frames)
    if was_told:
        h.told_saved.append(("ada", "grace", private_text))
    row.expect(inbox_end in ("closed 4503", "timeout"), f"the private sender: {inbox_end}")
    for name, (_, end_of_idle) in zip(("room listener", "grace's inbox"), idle, strict=True):
        if h.layer == "core" and how == "killed":  # every socket of the core layer needs Redis
            row.expect(end_of_idle == "closed 4503", f"the idle {name}: {end_of_idle}, not 4503")
        else:
            row.expect(end_of_idle in ("closed 4503", "timeout"), f"the idle {name}: {end_of_idle}")
    row.expect(status == 302, f"POST /inbox/send/ answered {status}")
    row.expect(post_took < OUTAGE_SENDS, f"POST /inbox/send/ took {post_took:.0f} s")
    if how == "killed":
        row.expect(meanwhile == "HTTP 403", f"a handshake while Redis was down: {meanwhile}")
    ends = [talker_end, inbox_end, *(end_of_idle for _, end_of_idle in idle), meanwhile]
    closed = sum(end_of in ("closed 4503", "HTTP 403") for end_of in ends)
    warned = len(warnings_about_redis(h, mark))
    row.expect(warned >= closed, f"{closed} sockets ended with 4503, {warned} warning lines")
    row.expect(back, "new sockets could not chat once Redis was back")
    texts = [frame["message"] for frame in replayed if frame["type"] == "private"]
    wanted = (
        {end} | ({private_text} if was_told else set()) | ({posted} if status == 302 else set())
    )
    row.expect(wanted <= set(texts), f"grace's resume lacks {wanted - set(texts)}")
    row.expect(len(texts) == len(set(texts)), f"grace's resume repeats a message: {texts}")
    row.got = (
        f"room send: {kinds(talker_frames)}, {talker_end}; private: {kinds(inbox_frames)}, "
        f"{inbox_end}; POST {status} in {post_took:.1f} s; handshake {meanwhile}; back"
    )
    return row


async def thaw_later(h, seconds):
    """After SECONDS, let a frozen Redis run again (nothing to do for a killed one)."""
    if seconds:
        await asyncio.sleep(seconds)
        os.kill(h.redis_pid(), signal.SIGCONT)


async def read_private_sender(ws, text):
    """What the socket that sent private message TEXT gets: its frame, then 3 s more, or its end."""
    frames, how = await read_until(ws, carries(text), 30)
    if how != "done":
        return frames, how
    more, how = await read_until(ws, never, 3)
    return frames + more, how


def warnings_about_redis(h, mark):
    """The server's "Redis is unreachable" warning lines since log offset MARK."""
    lines = h.server.log()[mark:].splitlines()
    return [line for line in lines if line.startswith("WARNING") and "Redis is unreachable" in line]
