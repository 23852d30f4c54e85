"""The inbox consumer through config.asgi.application: who gets a message, and bad input."""

import json
import re
from datetime import datetime

import pytest
from asgiref.sync import sync_to_async

from tests.helpers import private_frame

# chat.models is imported inside the tests that use it: on a copy of the step before, which
# lacks it, `course.py check` can still load this file and grade its other tests.


pytestmark = pytest.mark.django_db(transaction=True)

INBOX = "/ws/inbox/"

# (frame as sent, error code the sender gets back). Raw text or bytes, so that anything a
# real client could send can be sent.
BAD_FRAMES = [
    pytest.param('{"to": "nobody", "message": "hi"}', "unknown_recipient", id="unknown-recipient"),
    pytest.param('{"message": "hi"}', "missing_recipient", id="missing-to"),
    pytest.param('{"to": 42, "message": "hi"}', "invalid_recipient", id="number-to"),
    pytest.param('{"to": null, "message": "hi"}', "invalid_recipient", id="null-to"),
    pytest.param('{"to": ["bob"], "message": "hi"}', "invalid_recipient", id="list-to"),
    pytest.param('{"to": "  ", "message": "hi"}', "invalid_recipient", id="blank-to"),
    pytest.param('{"to": "b\\u0000ob", "message": "hi"}', "invalid_recipient", id="nul-in-to"),
    pytest.param('{"to": "bob", "message": "a\\u0000b"}', "invalid_message", id="nul-in-message"),
    pytest.param('{"to": "b\\ud800ob", "message": "hi"}', "invalid_recipient", id="surrogate-to"),
    pytest.param('{"to": "bob", "message": "\\ud800"}', "invalid_message", id="surrogate-message"),
    pytest.param("not json", "invalid_json", id="not-json"),
    pytest.param('["bob", "hi"]', "not_an_object", id="list"),
    pytest.param(b'{"to": "bob", "message": "hi"}', "binary_frame", id="binary-frame"),
    pytest.param('{"to": "bob"}', "missing_message", id="missing-message"),
    pytest.param('{"to": "bob", "message": 42}', "invalid_message", id="number-message"),
    pytest.param('{"to": "bob", "message": " \\n "}', "blank_message", id="blank-message"),
    pytest.param(
        json.dumps({"to": "bob", "message": "x" * 2001}), "message_too_long", id="2001-chars"
    ),
    pytest.param("[" * 5000, "too_deeply_nested", id="deeply-nested"),
]


async def send_frame(socket, frame):
    """Send one raw frame: str as a text frame, bytes as a binary frame."""
    key = "bytes" if isinstance(frame, bytes) else "text"
    await socket.send_input({"type": "websocket.receive", key: frame})


async def test_anonymous_handshake_is_refused(connect):
    """Without a session cookie the inbox socket is refused at the handshake."""
    _, connected = await connect(INBOX)
    assert not connected


async def test_cross_origin_handshake_is_refused(connect, logged_in):
    """A page on another site cannot open alice's inbox, even with her cookie."""
    _, connected = await connect(
        INBOX, origin="http://evil.example", headers=logged_in["alice"].headers
    )
    assert not connected


async def test_private_message_reaches_the_recipient(inbox, logged_in):
    """bob gets alice's message as the DESIGN's "private" frame."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "hello, bob"})
    frame = await bob.receive_json_from(timeout=2)
    assert frame == private_frame("alice", "bob", "hello, bob", frame)


async def test_private_message_reaches_the_sender(inbox, logged_in):
    """alice gets the very frame bob gets, so her other tabs show what she sent."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "hello"})
    assert await alice.receive_json_from(timeout=2) == await bob.receive_json_from(timeout=2)


async def test_frame_id_is_an_integer(inbox, logged_in):
    """The frame's "id" is a JSON integer, which pages use to skip duplicates."""
    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": "bob", "message": "hello"})
    assert type((await alice.receive_json_from(timeout=2))["id"]) is int


async def test_sent_at_is_iso_8601_with_a_time_zone(inbox, logged_in):
    """The "sent_at" field parses with datetime.fromisoformat and says which time zone it is in."""
    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": "bob", "message": "hello"})
    sent_at = (await alice.receive_json_from(timeout=2))["sent_at"]
    assert datetime.fromisoformat(sent_at).utcoffset() is not None


async def test_message_is_saved_before_it_is_delivered(inbox, logged_in):
    """The id in the delivered frame is a saved row holding the same sender, recipient, text."""
    from chat.models import PrivateMessage

    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": "bob", "message": "kept"})
    frame = await alice.receive_json_from(timeout=2)
    saved = await PrivateMessage.objects.select_related("sender", "recipient").aget(pk=frame["id"])
    assert saved.sender.username == "alice"
    assert saved.recipient.username == "bob"
    assert saved.body == "kept"


async def test_every_tab_of_the_recipient_receives(inbox, logged_in):
    """Both of bob's open tabs get the message."""
    alice = await inbox(logged_in["alice"])
    bob_tabs = [await inbox(logged_in["bob"]), await inbox(logged_in["bob"])]
    await alice.send_json_to({"to": "bob", "message": "two tabs"})
    received = [(await tab.receive_json_from(timeout=2))["message"] for tab in bob_tabs]
    assert received == ["two tabs", "two tabs"]


async def test_every_tab_of_the_sender_receives(inbox, logged_in):
    """alice's other tab, which did not send, gets the message too."""
    alice = await inbox(logged_in["alice"])
    alice_other_tab = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": "bob", "message": "from my first tab"})
    assert (await alice_other_tab.receive_json_from(timeout=2))["message"] == "from my first tab"


async def test_third_user_receives_nothing(inbox, logged_in):
    """carol, logged in with her inbox open, does not see a message between alice and bob."""
    alice = await inbox(logged_in["alice"])
    carol = await inbox(logged_in["carol"])
    await alice.send_json_to({"to": "bob", "message": "just for bob"})
    await alice.receive_json_from(timeout=2)
    assert await carol.receive_nothing(timeout=0.2)


async def test_recipient_is_trimmed(inbox, logged_in):
    """White space around the recipient's username is ignored, as it is around the message."""
    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": "  bob ", "message": "hi"})
    assert (await alice.receive_json_from(timeout=2))["to"] == "bob"


@pytest.mark.parametrize("claimed", ["bob", "", None])
async def test_client_supplied_from_is_ignored(inbox, logged_in, claimed):
    """Whatever "from" a frame claims, the message is from the session's user."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "it's me, bob", "from": claimed})
    assert (await bob.receive_json_from(timeout=2))["from"] == "alice"


@pytest.mark.parametrize("claimed", ["websocket.disconnect", "inbox.private", "chat.message"])
async def test_client_supplied_type_does_not_choose_the_event(inbox, logged_in, claimed):
    """A frame's "type" is not the channel-layer event type: bob still gets a private frame."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "still private", "type": claimed})
    assert (await bob.receive_json_from(timeout=2))["type"] == "private"


@pytest.mark.parametrize("username", ["alice@example.com", "a+b", "zoë"])
async def test_username_a_group_name_cannot_hold_still_receives(inbox, logged_in, log_in, username):
    """A recipient whose username holds "@", "+" or "ë" gets messages: groups use the pk."""
    recipient = await inbox(await sync_to_async(log_in)(username))
    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": username, "message": "hello"})
    assert (await recipient.receive_json_from(timeout=2))["to"] == username


async def test_sending_to_yourself_reaches_each_tab(inbox, logged_in):
    """A note to yourself reaches every one of your tabs."""
    tabs = [await inbox(logged_in["alice"]), await inbox(logged_in["alice"])]
    await tabs[0].send_json_to({"to": "alice", "message": "note to self"})
    received = [(await tab.receive_json_from(timeout=2))["message"] for tab in tabs]
    assert received == ["note to self", "note to self"]


async def test_sending_to_yourself_is_delivered_once(inbox, logged_in):
    """Sender and recipient share one inbox group here, so no tab gets the message twice."""
    alice = await inbox(logged_in["alice"])
    await alice.send_json_to({"to": "alice", "message": "note to self"})
    await alice.receive_json_from(timeout=2)
    assert await alice.receive_nothing(timeout=0.2)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_gets_an_error_frame(inbox, logged_in, frame, code):
    """The sender gets {"type": "error", "error": <code>, "detail": <sentence>}."""
    alice = await inbox(logged_in["alice"])
    await send_frame(alice, frame)
    reply = await alice.receive_json_from(timeout=2)
    assert reply == {"type": "error", "error": code, "detail": reply["detail"]}


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_detail_is_a_sentence(inbox, logged_in, frame, code):
    """The error frame's "detail" is a sentence a person can read."""
    alice = await inbox(logged_in["alice"])
    await send_frame(alice, frame)
    detail = (await alice.receive_json_from(timeout=2))["detail"]
    assert re.fullmatch(r'["A-Z][^\n]* [^\n]*\.', detail)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_reaches_no_one_else(inbox, logged_in, frame, code):
    """bob, the recipient such a frame names, gets nothing."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await send_frame(alice, frame)
    await alice.receive_json_from(timeout=2)
    assert await bob.receive_nothing(timeout=0.2)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_saves_nothing(inbox, logged_in, frame, code):
    """No private message is saved for a refused frame."""
    from chat.models import PrivateMessage

    alice = await inbox(logged_in["alice"])
    await send_frame(alice, frame)
    await alice.receive_json_from(timeout=2)
    assert await PrivateMessage.objects.acount() == 0


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_socket_stays_open_after_a_bad_frame(inbox, logged_in, frame, code):
    """After the error frame, the same socket still sends a private message."""
    alice = await inbox(logged_in["alice"])
    await send_frame(alice, frame)
    await alice.receive_json_from(timeout=2)
    await alice.send_json_to({"to": "bob", "message": "still here"})
    assert (await alice.receive_json_from(timeout=2))["message"] == "still here"


async def test_reply_reaches_the_original_sender(inbox, logged_in):
    """bob's reply to alice travels the same way as her message: the direction does not matter."""
    alice = await inbox(logged_in["alice"])
    bob = await inbox(logged_in["bob"])
    await alice.send_json_to({"to": "bob", "message": "lunch?"})
    await alice.receive_json_from(timeout=2)
    await bob.receive_json_from(timeout=2)
    await bob.send_json_to({"to": "alice", "message": "yes"})
    assert (await alice.receive_json_from(timeout=2))["message"] == "yes"


async def test_message_from_a_user_deleted_meanwhile_gets_an_error_frame(inbox, logged_in):
    """A sender deleted behind the app's back (no signal) gets not_saved, not a crash."""
    from django.db import connection

    alice = await inbox(logged_in["alice"])

    def delete_alice_without_signals():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_user WHERE id = %s", [logged_in["alice"].user.pk])

    await sync_to_async(delete_alice_without_signals)()
    await alice.send_json_to({"to": "bob", "message": "hi"})
    assert (await alice.receive_json_from(timeout=2))["error"] == "not_saved"
