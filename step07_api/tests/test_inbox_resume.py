"""Resuming an inbox socket: /ws/inbox/?after=<id> first sends what the page missed."""

import re

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tests.private_messages import save_many

# chat.models and chat.inbox are imported inside the tests that use them: on a copy of the step
# before, which lacks them, `course.py check` can still load this file and grade its other tests.


pytestmark = pytest.mark.django_db(transaction=True)

# Anything but one id written with the digits 0 to 9, as it stands in the query string.
BAD_AFTERS = [
    pytest.param("after=abc", id="letters"),
    pytest.param("after=-1", id="negative"),
    pytest.param("after=1.5", id="fraction"),
    pytest.param("after=%D9%A1", id="arabic-indic-digit"),
    pytest.param("after=%EF%BC%91", id="fullwidth-digit"),
    pytest.param("after=", id="empty"),
    pytest.param("after", id="no-value"),
    pytest.param("after=1&after=2", id="repeated"),
    pytest.param("after=+1", id="plus-sign"),
    pytest.param("after=0x10", id="hexadecimal"),
]


async def resume(connect, login, query):
    """Open /ws/inbox/?QUERY with a Login's session cookie; the test fails if it is refused."""
    socket, connected = await connect(f"/ws/inbox/?{query}", headers=login.headers)
    assert connected, f"the inbox socket of {login.user.username} was refused"
    return socket


async def received(socket):
    """Every frame the socket receives until it has been quiet for half a second."""
    frames = []
    while not await socket.receive_nothing(timeout=0.5):
        frames.append(await socket.receive_json_from())
    return frames


async def send(sender, recipient, body):
    """Save a private message straight through the ORM, as another process would."""
    from chat.models import PrivateMessage

    return await PrivateMessage.objects.acreate(
        sender=sender.user, recipient=recipient.user, body=body
    )


def deliver_as_the_socket_joins(monkeypatch, login, sender, before_join):
    """Another process saves a message from SENDER to LOGIN and delivers it, as LOGIN's socket
    joins its inbox group: just before the join, or just after it.

    Returns a list that then holds the message's id.
    """
    from chat.inbox import delivery_groups, inbox_group_name, private_event

    layer = get_channel_layer()
    real_group_add = layer.group_add
    saved = []

    def save():
        from chat.models import PrivateMessage

        message = PrivateMessage.objects.create(
            sender=sender.user, recipient=login.user, body="saved as the socket joins"
        )
        return message, private_event(message)

    async def save_and_deliver():
        message, event = await database_sync_to_async(save)()
        for group in delivery_groups(message):
            await layer.group_send(group, event)
        saved.append(message.id)

    async def group_add(group, channel):
        joining = group == inbox_group_name(login.user.pk) and not saved
        if joining and before_join:
            await save_and_deliver()
        await real_group_add(group, channel)
        if joining and not before_join:
            await save_and_deliver()

    monkeypatch.setattr(layer, "group_add", group_add)
    return saved


async def test_replay_sends_the_messages_after_the_id_oldest_first(connect, logged_in):
    """?after=<id> sends the messages saved after that id, oldest first."""
    first = await send(logged_in["alice"], logged_in["bob"], "seen")
    for body in ["missed 1", "missed 2", "missed 3"]:
        await send(logged_in["alice"], logged_in["bob"], body)
    bob = await resume(connect, logged_in["bob"], f"after={first.id}")
    assert [frame["message"] for frame in await received(bob)] == [
        "missed 1",
        "missed 2",
        "missed 3",
    ]


async def test_replayed_frame_is_the_live_frame(connect, inbox, logged_in):
    """A replayed message is the very "private" frame the live socket got for it."""
    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": "bob", "message": "hello, bob"})
    live = await alice.receive_json_from(timeout=2)
    bob = await resume(connect, logged_in["bob"], f"after={live['id'] - 1}")
    assert await bob.receive_json_from(timeout=2) == live


async def test_replay_includes_messages_the_user_sent(connect, logged_in):
    """alice's resumed socket replays what she sent too, as her other tabs would have shown it."""
    await send(logged_in["alice"], logged_in["bob"], "sent by alice")
    alice = await resume(connect, logged_in["alice"], "after=0")
    assert (await alice.receive_json_from(timeout=2))["message"] == "sent by alice"


async def test_replay_leaves_out_other_peoples_messages(connect, logged_in):
    """carol's resumed socket replays none of alice's and bob's messages, only her own."""
    await send(logged_in["alice"], logged_in["bob"], "not for carol")
    await send(logged_in["bob"], logged_in["carol"], "for carol")
    carol = await resume(connect, logged_in["carol"], "after=0")
    assert [frame["message"] for frame in await received(carol)] == ["for carol"]


async def test_after_the_newest_id_replays_nothing(connect, logged_in):
    """?after=<the newest id> has nothing to replay."""
    newest = await send(logged_in["alice"], logged_in["bob"], "seen")
    bob = await resume(connect, logged_in["bob"], f"after={newest.id}")
    assert await bob.receive_nothing(timeout=0.5)


async def test_after_beyond_every_id_replays_nothing(connect, logged_in):
    """An id larger than any a database holds replays nothing, and crashes nothing."""
    await send(logged_in["alice"], logged_in["bob"], "seen")
    bob = await resume(connect, logged_in["bob"], "after=" + "9" * 40)
    assert await bob.receive_nothing(timeout=0.5)


async def test_no_after_replays_nothing(connect, logged_in):
    """Without ?after= the socket sends only live messages: the page came with the history."""
    await send(logged_in["alice"], logged_in["bob"], "in the page already")
    bob = await resume(connect, logged_in["bob"], "")
    assert await bob.receive_nothing(timeout=0.5)


async def test_anonymous_resume_is_refused(connect):
    """Without a session cookie, /ws/inbox/?after=0 is refused at the handshake like /ws/inbox/."""
    _, connected = await connect("/ws/inbox/?after=0")
    assert not connected


@pytest.mark.parametrize("query", BAD_AFTERS)
async def test_invalid_after_gets_an_error_frame(connect, logged_in, query):
    """An `after` that is not one non-negative integer gets an "invalid_after" error frame."""
    bob = await resume(connect, logged_in["bob"], query)
    reply = await bob.receive_json_from(timeout=2)
    assert reply == {"type": "error", "error": "invalid_after", "detail": reply["detail"]}


@pytest.mark.parametrize("query", BAD_AFTERS)
async def test_invalid_after_detail_is_a_sentence(connect, logged_in, query):
    """The "invalid_after" frame's "detail" is a sentence a person can read."""
    bob = await resume(connect, logged_in["bob"], query)
    detail = (await bob.receive_json_from(timeout=2))["detail"]
    assert re.fullmatch(r'["A-Z][^\n]* [^\n]*\.', detail)


@pytest.mark.parametrize("query", BAD_AFTERS)
async def test_invalid_after_replays_nothing(connect, logged_in, query):
    """After the error frame nothing is replayed, although there are messages to replay."""
    await send(logged_in["alice"], logged_in["bob"], "not replayed")
    bob = await resume(connect, logged_in["bob"], query)
    await bob.receive_json_from(timeout=2)
    assert await bob.receive_nothing(timeout=0.5)


@pytest.mark.parametrize("query", BAD_AFTERS)
async def test_socket_stays_open_after_an_invalid_after(connect, logged_in, query):
    """After the error frame, the same socket still sends and receives private messages."""
    bob = await resume(connect, logged_in["bob"], query)
    await bob.receive_json_from(timeout=2)
    await bob.send_json_to({"to": "alice", "message": "still here"})
    assert (await bob.receive_json_from(timeout=2))["message"] == "still here"


async def test_500_missed_messages_are_all_replayed(connect, logged_in):
    """With exactly 500 missed, the 500 are replayed and no resync follows."""
    ids = await sync_to_async(save_many)(logged_in["alice"].user, logged_in["bob"].user, 500)
    bob = await resume(connect, logged_in["bob"], "after=0")
    assert [frame["id"] for frame in await received(bob)] == ids


async def test_501_missed_messages_send_the_500_oldest_then_resync(connect, logged_in):
    """With 501 missed, the 500 oldest are replayed, then {"type": "resync"}."""
    ids = await sync_to_async(save_many)(logged_in["alice"].user, logged_in["bob"].user, 501)
    bob = await resume(connect, logged_in["bob"], "after=0")
    frames = await received(bob)
    assert [frame.get("id", frame["type"]) for frame in frames] == [*ids[:500], "resync"]


async def test_60000_missed_messages_send_500_then_resync(connect, logged_in):
    """However much was missed, ?after=0 sends at most 500 messages, then asks for a reload."""
    await sync_to_async(save_many)(logged_in["alice"].user, logged_in["bob"].user, 60_000)
    bob = await resume(connect, logged_in["bob"], "after=0")
    frames = await received(bob)
    assert [frame["type"] for frame in frames] == ["private"] * 500 + ["resync"]


async def test_message_delivered_just_before_the_join_is_replayed(connect, logged_in, monkeypatch):
    """A message saved and delivered a moment before the socket joins its group is replayed."""
    saved = deliver_as_the_socket_joins(monkeypatch, logged_in["bob"], logged_in["alice"], True)
    bob = await resume(connect, logged_in["bob"], "after=0")
    frames = await received(bob)
    assert saved[0] in [frame["id"] for frame in frames]


async def test_message_saved_just_after_the_join_is_not_lost(connect, logged_in, monkeypatch):
    """A message saved and delivered just after the socket joins its group reaches it."""
    saved = deliver_as_the_socket_joins(monkeypatch, logged_in["bob"], logged_in["alice"], False)
    bob = await resume(connect, logged_in["bob"], "after=0")
    frames = await received(bob)
    assert saved[0] in [frame["id"] for frame in frames]


async def test_live_messages_come_after_the_replay(connect, logged_in, monkeypatch):
    """Replayed and live frames together arrive oldest first (a repeat of one is dropped)."""
    for body in ["missed 1", "missed 2"]:
        await send(logged_in["alice"], logged_in["bob"], body)
    deliver_as_the_socket_joins(monkeypatch, logged_in["bob"], logged_in["alice"], False)
    bob = await resume(connect, logged_in["bob"], "after=0")
    ids = list(dict.fromkeys(frame["id"] for frame in await received(bob)))
    assert ids == sorted(ids)
