"""The inbox consumer through config.asgi.application: who gets a message, and bad input."""

import json
import re
from datetime import datetime

import pytest
from asgiref.sync import sync_to_async

from chat.models import PrivateMessage

pytestmark = pytest.mark.django_db(transaction=True)

INBOX = "/ws/inbox/"

# (frame as sent, error code the sender gets back). Raw text or bytes, so that anything a
# real client could send can be sent.
BAD_FRAMES = [
    pytest.param('{"to": "nobody", "message": "hi"}', "unknown_recipient", id="unknown-recipient"),
    pytest.param('{"message": "hi"}', "missing_recipient", id="missing-to"),
    pytest.param('{"to": 42, "message": "hi"}', "invalid_recipient", id="number-to"),
    pytest.param('{"to": null, "message": "hi"}', "invalid_recipient", id="null-to"),
    pytest.param('{"to": ["grace"], "message": "hi"}', "invalid_recipient", id="list-to"),
    pytest.param('{"to": "  ", "message": "hi"}', "invalid_recipient", id="blank-to"),
    pytest.param("not json", "invalid_json", id="not-json"),
    pytest.param('["grace", "hi"]', "not_an_object", id="list"),
    pytest.param(b'{"to": "grace", "message": "hi"}', "binary_frame", id="binary-frame"),
    pytest.param('{"to": "grace"}', "missing_message", id="missing-message"),
    pytest.param('{"to": "grace", "message": 42}', "invalid_message", id="number-message"),
    pytest.param('{"to": "grace", "message": " \\n "}', "blank_message", id="blank-message"),
    pytest.param(
        json.dumps({"to": "grace", "message": "x" * 2001}), "message_too_long", id="2001-chars"
    ),
    pytest.param("[" * 5000, "too_deeply_nested", id="deeply-nested"),
]


async def send_frame(socket, frame):
    """Send one raw frame: str as a text frame, bytes as a binary frame."""
    key = "bytes" if isinstance(frame, bytes) else "text"
    await socket.send_input({"type": "websocket.receive", key: frame})


@pytest.fixture
def carol(log_in):
    """A third logged-in user, who is in no conversation."""
    return log_in("carol")


async def test_anonymous_handshake_is_refused(connect):
    """Without a session cookie the inbox socket is refused at the handshake."""
    _, connected = await connect(INBOX)
    assert not connected


async def test_cross_origin_handshake_is_refused(connect, logged_in):
    """A page on another site cannot open ada's inbox, even with her cookie."""
    _, connected = await connect(
        INBOX, origin="http://evil.example", headers=logged_in["ada"].headers
    )
    assert not connected


async def test_private_message_reaches_the_recipient(inbox, logged_in):
    """grace gets ada's message as the DESIGN's "private" frame."""
    ada = await inbox(logged_in["ada"])
    grace = await inbox(logged_in["grace"])
    await ada.send_json_to({"to": "grace", "message": "hello, grace"})
    frame = await grace.receive_json_from(timeout=2)
    assert frame == {
        "type": "private",
        "id": frame["id"],
        "from": "ada",
        "to": "grace",
        "message": "hello, grace",
        "sent_at": frame["sent_at"],
    }


async def test_private_message_reaches_the_sender(inbox, logged_in):
    """ada gets the very frame grace gets, so her other tabs show what she sent."""
    ada = await inbox(logged_in["ada"])
    grace = await inbox(logged_in["grace"])
    await ada.send_json_to({"to": "grace", "message": "hello"})
    assert await ada.receive_json_from(timeout=2) == await grace.receive_json_from(timeout=2)


async def test_frame_id_is_an_integer(inbox, logged_in):
    """The frame's "id" is a JSON integer, which pages use to skip duplicates."""
    ada = await inbox(logged_in["ada"])
    await ada.send_json_to({"to": "grace", "message": "hello"})
    assert type((await ada.receive_json_from(timeout=2))["id"]) is int


async def test_sent_at_is_iso_8601_with_a_time_zone(inbox, logged_in):
    """The "sent_at" field parses with datetime.fromisoformat and says which time zone it is in."""
    ada = await inbox(logged_in["ada"])
    await ada.send_json_to({"to": "grace", "message": "hello"})
    sent_at = (await ada.receive_json_from(timeout=2))["sent_at"]
    assert datetime.fromisoformat(sent_at).utcoffset() is not None


async def test_message_is_saved_before_it_is_delivered(inbox, logged_in):
    """The id in the delivered frame is a saved row holding the same sender, recipient, text."""
    ada = await inbox(logged_in["ada"])
    await ada.send_json_to({"to": "grace", "message": "kept"})
    frame = await ada.receive_json_from(timeout=2)
    saved = await PrivateMessage.objects.select_related("sender", "recipient").aget(pk=frame["id"])
    assert (saved.sender.username, saved.recipient.username, saved.body) == ("ada", "grace", "kept")


async def test_every_tab_of_the_recipient_receives(inbox, logged_in):
    """Both of grace's open tabs get the message."""
    ada = await inbox(logged_in["ada"])
    grace_tabs = [await inbox(logged_in["grace"]), await inbox(logged_in["grace"])]
    await ada.send_json_to({"to": "grace", "message": "two tabs"})
    received = [(await tab.receive_json_from(timeout=2))["message"] for tab in grace_tabs]
    assert received == ["two tabs", "two tabs"]


async def test_every_tab_of_the_sender_receives(inbox, logged_in):
    """ada's other tab, which did not send, gets the message too."""
    ada = await inbox(logged_in["ada"])
    ada_other_tab = await inbox(logged_in["ada"])
    await ada.send_json_to({"to": "grace", "message": "from my first tab"})
    assert (await ada_other_tab.receive_json_from(timeout=2))["message"] == "from my first tab"


async def test_third_user_receives_nothing(inbox, logged_in, carol):
    """carol, logged in with her inbox open, does not see a message between ada and grace."""
    ada = await inbox(logged_in["ada"])
    carol_socket = await inbox(carol)
    await ada.send_json_to({"to": "grace", "message": "just for grace"})
    await ada.receive_json_from(timeout=2)
    assert await carol_socket.receive_nothing(timeout=0.2)


async def test_recipient_is_trimmed(inbox, logged_in):
    """White space around the recipient's username is ignored, as it is around the message."""
    ada = await inbox(logged_in["ada"])
    await ada.send_json_to({"to": "  grace ", "message": "hi"})
    assert (await ada.receive_json_from(timeout=2))["to"] == "grace"


@pytest.mark.parametrize("claimed", ["grace", "", None])
async def test_client_supplied_from_is_ignored(inbox, logged_in, claimed):
    """Whatever "from" a frame claims, the message is from the session's user."""
    ada = await inbox(logged_in["ada"])
    grace = await inbox(logged_in["grace"])
    await ada.send_json_to({"to": "grace", "message": "it's me, grace", "from": claimed})
    assert (await grace.receive_json_from(timeout=2))["from"] == "ada"


@pytest.mark.parametrize("claimed", ["websocket.disconnect", "inbox.private", "chat.message"])
async def test_client_supplied_type_does_not_choose_the_event(inbox, logged_in, claimed):
    """A frame's "type" is not the channel-layer event type: grace still gets a private frame."""
    ada = await inbox(logged_in["ada"])
    grace = await inbox(logged_in["grace"])
    await ada.send_json_to({"to": "grace", "message": "still private", "type": claimed})
    assert (await grace.receive_json_from(timeout=2))["type"] == "private"


@pytest.mark.parametrize("username", ["alice@example.com", "a+b", "zoë"])
async def test_username_a_group_name_cannot_hold_still_receives(inbox, logged_in, log_in, username):
    """A recipient whose username holds "@", "+" or "ë" gets messages: groups use the pk."""
    recipient = await inbox(await sync_to_async(log_in)(username))
    ada = await inbox(logged_in["ada"])
    await ada.send_json_to({"to": username, "message": "hello"})
    assert (await recipient.receive_json_from(timeout=2))["to"] == username


async def test_sending_to_yourself_reaches_each_tab(inbox, logged_in):
    """A note to yourself reaches every one of your tabs."""
    tabs = [await inbox(logged_in["ada"]), await inbox(logged_in["ada"])]
    await tabs[0].send_json_to({"to": "ada", "message": "note to self"})
    received = [(await tab.receive_json_from(timeout=2))["message"] for tab in tabs]
    assert received == ["note to self", "note to self"]


async def test_sending_to_yourself_is_delivered_once(inbox, logged_in):
    """Sender and recipient share one inbox group here, so no tab gets the message twice."""
    ada = await inbox(logged_in["ada"])
    await ada.send_json_to({"to": "ada", "message": "note to self"})
    await ada.receive_json_from(timeout=2)
    assert await ada.receive_nothing(timeout=0.2)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_gets_an_error_frame(inbox, logged_in, frame, code):
    """The sender gets {"type": "error", "error": <code>, "detail": <sentence>}."""
    ada = await inbox(logged_in["ada"])
    await send_frame(ada, frame)
    reply = await ada.receive_json_from(timeout=2)
    assert reply == {"type": "error", "error": code, "detail": reply["detail"]}


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_detail_is_a_sentence(inbox, logged_in, frame, code):
    """The error frame's "detail" is a sentence a person can read."""
    ada = await inbox(logged_in["ada"])
    await send_frame(ada, frame)
    detail = (await ada.receive_json_from(timeout=2))["detail"]
    assert re.fullmatch(r'["A-Z][^\n]* [^\n]*\.', detail)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_reaches_no_one_else(inbox, logged_in, frame, code):
    """grace, the recipient such a frame names, gets nothing."""
    ada = await inbox(logged_in["ada"])
    grace = await inbox(logged_in["grace"])
    await send_frame(ada, frame)
    await ada.receive_json_from(timeout=2)
    assert await grace.receive_nothing(timeout=0.2)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_saves_nothing(inbox, logged_in, frame, code):
    """No private message is saved for a refused frame."""
    ada = await inbox(logged_in["ada"])
    await send_frame(ada, frame)
    await ada.receive_json_from(timeout=2)
    assert await PrivateMessage.objects.acount() == 0


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_socket_stays_open_after_a_bad_frame(inbox, logged_in, frame, code):
    """After the error frame, the same socket still sends a private message."""
    ada = await inbox(logged_in["ada"])
    await send_frame(ada, frame)
    await ada.receive_json_from(timeout=2)
    await ada.send_json_to({"to": "grace", "message": "still here"})
    assert (await ada.receive_json_from(timeout=2))["message"] == "still here"
