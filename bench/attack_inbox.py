"""Attack cases on the private inbox of steps 5 and 6, and the ledger checked after them all.

Same shape as attack_cases.py: each case gets the Target of attack.py as `h` and returns a Row.
Every private message a case sends goes into the Target's ledger: told saved (its "private"
frame came back, or POST /inbox/send/ redirected) or told refused (an error frame). The last
case, inbox_ledger, reads both demo users' inboxes from the start and checks the ledger.
"""

import collections
import json

from attack_cases import (
    Row,
    answer_to,
    carries,
    is_error,
    kinds,
    read_until,
    send_private,
    short,
)


async def inbox_bad_input(h):
    """Bad inbox frames get their error code; the recipient gets nothing and nothing is saved."""
    row = Row("no/42/null/list/blank/NUL/\\ud800 recipient, nobody, bad messages, bytes, …")
    to_nobody = h.text("to nobody")
    h.told_refused.append(("ada", "nobody", to_nobody))
    cases = [
        ('{"message": "hi"}', "missing_recipient"),
        ('{"to": 42, "message": "hi"}', "invalid_recipient"),
        ('{"to": null, "message": "hi"}', "invalid_recipient"),
        ('{"to": ["grace"], "message": "hi"}', "invalid_recipient"),
        ('{"to": "   ", "message": "hi"}', "invalid_recipient"),
        (r'{"to": "gr\u0000ace", "message": "hi"}', "invalid_recipient"),
        (r'{"to": "\ud800", "message": "hi"}', "invalid_recipient"),
        (json.dumps({"to": "nobody", "message": to_nobody}), "unknown_recipient"),
        ('{"to": "grace"}', "missing_message"),
        ('{"to": "grace", "message": 42}', "invalid_message"),
        (r'{"to": "grace", "message": "\ud800"}', "invalid_message"),
        (r'{"to": "grace", "message": "a\u0000"}', "invalid_message"),
        ('{"to": "grace", "message": " \u3000 "}', "blank_message"),
        (json.dumps({"to": "grace", "message": "x" * 2001}), "message_too_long"),
        (b'{"to": "grace", "message": "hi"}', "binary_frame"),
        ("", "invalid_json"),
        ("[1]", "not_an_object"),
        ("[" * 5000, "too_deeply_nested"),
    ]
    marker = h.text("after bad input")
    async with h.connect("/ws/inbox/") as ada, h.connect("/ws/inbox/", "grace") as grace:
        answers = [await answer_to(ada, frame) for frame, _ in cases]
        await send_private(h, ada, "grace", marker)
        heard, how = await read_until(grace, carries(marker))
    for (frame, code), answer in zip(cases, answers, strict=True):
        row.expect(is_error(answer, code), f"{short(frame)}: wanted {code}, got {short(answer)}")
    row.expect(how == "done" and len(heard) == 1, f"grace got {kinds(heard[:-1])}, {how}")
    row.got = f"{len(answers)} error frames, each with its code; grace got nothing"
    return row


async def forged_inbox(h):
    """An inbox frame's from/sender/id/sent_at are ignored; "to" is trimmed, exact, must exist."""
    row = Row('from/sender/id/sent_at forged; to " grace ", GRACE, grаce (Cyrillic), ada')
    texts = [h.text("forged") for _ in range(5)]
    forged = {"from": "grace", "sender": "grace", "id": 1, "sent_at": "2000-01-01T00:00:00+00:00"}
    async with h.connect("/ws/inbox/") as ada, h.connect("/ws/inbox/", "grace") as grace:
        frame = json.dumps({"to": "grace", "message": texts[0], "type": "x", **forged})
        first = await answer_to(ada, frame)
        to = [" grace ", "GRACE", "gr\u0430ce", "ada"]
        got = [
            await send_private(h, ada, name, text) for name, text in zip(to, texts[1:], strict=True)
        ]
        marker = h.text("end")
        await send_private(h, ada, "grace", marker)
        heard, _ = await read_until(grace, carries(marker))
    ok = carries(texts[0])(first) and first["from"] == "ada" and first["id"] != 1
    row.expect(ok, f"the forged frame came back as {short(first)}")
    if ok:
        h.told_saved.append(("ada", "grace", texts[0]))
        row.expect(first["sent_at"] != forged["sent_at"], "the forged sent_at was kept")
    row.expect(got[0] and got[0]["to"] == "grace", f'" grace " was not trimmed: {short(got[0])}')
    row.expect(got[1] is None and got[2] is None, "GRACE or grаce reached someone")
    row.expect(got[3] and got[3]["to"] == "ada", "a note to oneself was refused")
    heard_texts = [frame["message"] for frame in heard]
    row.expect(heard_texts == [texts[0], texts[1], marker], f"grace heard {heard_texts}")
    row.got = "from ada, a new id; to grace trimmed; GRACE, grаce unknown; note to self once"
    return row


async def inbox_after(h):
    """A bad ?after= gets invalid_after, the socket stays open; past the newest replays nothing."""
    row = Row("?after= -1, ١, 1&after=2, abc, empty, 1.5, +1, 0x10; 10^30")
    bad = ["-1", "%D9%A1", "1&after=2", "abc", "", "1.5", "%2B1", "0x10"]
    for value in [*bad, "1" + "0" * 30]:
        note = h.text("note")
        async with h.connect(f"/ws/inbox/?after={value}") as ws:
            first = (await read_until(ws, lambda frame: True, 2))[0] if value in bad else []
            answer = await answer_to(ws, json.dumps({"to": "ada", "message": note}))
        if carries(note)(answer):
            h.told_saved.append(("ada", "ada", note))
        got = [frame.get("error", frame["type"]) for frame in first]
        got.append("its note" if carries(note)(answer) else short(answer))
        wanted = (["invalid_after"] if value in bad else []) + ["its note"]
        row.expect(got == wanted, f"?after={value}: {got}, not {wanted}")
    row.got = f"{len(bad)} × invalid_after, socket open; nothing replayed past the newest"
    return row


async def resume(h):
    """Messages saved while grace was away are replayed once, in order, after ?after=<last seen>."""
    row = Row("3 messages while grace is offline, then ?after=<her last id>")
    async with h.connect("/ws/inbox/") as ada:
        seen = await send_private(h, ada, "grace", h.text("seen"))
        missed = [await send_private(h, ada, "grace", h.text("missed")) for _ in range(3)]
        async with h.connect(f"/ws/inbox/?after={seen['id']}", "grace") as grace:
            live = await send_private(h, ada, "grace", h.text("live"))
            frames, how = await read_until(grace, carries(live["message"]))
    wanted = [frame["id"] for frame in missed] + [live["id"]]
    row.expect([frame["id"] for frame in frames] == wanted, f"grace got {kinds(frames)}, {how}")
    row.got = "3 replayed once, in order, then the live one"
    return row


async def history(h, user):
    """USER's private messages, oldest first, as the inbox replays them from ?after=0."""
    found, after, end, asked = [], 0, h.text("end of replay"), False

    def done(frame):
        return frame.get("message") == end or frame["type"] == "resync"

    while True:
        async with h.connect(f"/ws/inbox/?after={after}", user) as ws:
            if not asked:  # one more message ends the replay: it comes live, after it
                async with h.connect("/ws/inbox/") as sender:
                    await send_private(h, sender, user, end)
                asked = True
            frames, how = await read_until(ws, done, seconds=30)
        found += [frame for frame in frames if frame["type"] == "private"]
        if how != "done":
            raise RuntimeError(f"{user}'s replay never reached its end ({how})")
        if frames[-1]["type"] != "resync":
            return found
        after = found[-1]["id"]  # more than a replay holds: go on from the last one


async def inbox_ledger(h):
    """Every message a sender was told was saved is in both inboxes once; nothing refused is."""
    told_saved, told_refused = list(h.told_saved), list(h.told_refused)  # not history's own
    row = Row(f"{len(told_saved):,} messages told saved, {len(told_refused)} told refused")
    replays = {user: await history(h, user) for user in ("ada", "grace")}
    for user, frames in replays.items():
        texts = collections.Counter({frame["id"]: frame["message"] for frame in frames}.values())
        twice = [text for text, count in texts.items() if count > 1]
        row.expect(not twice, f"saved twice in {user}'s inbox: {twice[:3]}")
        told = [text for sender, to, text in told_saved if user in (sender, to)]
        missing = [text for text in told if text not in texts]
        row.expect(not missing, f"told saved, missing from {user}'s inbox: {missing[:3]}")
        refused = [text for sender, to, text in told_refused if user in (sender, to)]
        row.expect(not set(refused) & set(texts), f"told refused, yet in {user}'s inbox")
    sizes = ", ".join(f"{user} {len(frames):,}" for user, frames in replays.items())
    row.got = f"inboxes {sizes}: every one told saved there once, none refused"
    return row
