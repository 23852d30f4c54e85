"""The chat consumer through config.asgi.application: origin check, session auth, routing, rooms."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import session_headers

pytestmark = pytest.mark.django_db(transaction=True)

LOBBY = "/ws/chat/lobby/"


async def test_message_reaches_the_sender_with_the_authenticated_username(connect, logged_in):
    """The sender gets its own message back, signed with the username of its session."""
    ada, connected = await connect(LOBBY, headers=logged_in["ada"].headers)
    assert connected
    await ada.send_json_to({"message": "hello"})
    assert await ada.receive_json_from(timeout=2) == {
        "type": "message",
        "room": "lobby",
        "username": "ada",
        "message": "hello",
    }


async def test_message_reaches_every_other_member_of_the_room(connect, logged_in):
    """Another logged-in member of the room gets the message, signed by the sender."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    grace, _ = await connect(LOBBY, headers=logged_in["grace"].headers)
    await ada.send_json_to({"message": "hello, grace"})
    assert await grace.receive_json_from(timeout=2) == {
        "type": "message",
        "room": "lobby",
        "username": "ada",
        "message": "hello, grace",
    }


async def test_message_does_not_reach_another_room(connect, logged_in):
    """A member of another room gets nothing."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    grace, _ = await connect("/ws/chat/kitchen/", headers=logged_in["grace"].headers)
    await ada.send_json_to({"message": "lobby only"})
    await ada.receive_json_from(timeout=2)
    assert await grace.receive_nothing(timeout=0.2)


@pytest.mark.parametrize("claimed", ["grace", "", 42, None, ["ada"]])
async def test_client_supplied_username_is_ignored(connect, logged_in, claimed):
    """Whatever "username" a frame claims, the message is signed with the session's user."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    grace, _ = await connect(LOBBY, headers=logged_in["grace"].headers)
    await ada.send_json_to({"message": "it's me, grace", "username": claimed})
    assert (await grace.receive_json_from(timeout=2))["username"] == "ada"


async def test_client_supplied_type_does_not_choose_the_handler(connect, logged_in):
    """A frame's "type" is not used as the channel-layer event type: it is a plain message."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    await ada.send_json_to({"type": "websocket.disconnect", "message": "still a message"})
    assert (await ada.receive_json_from(timeout=2))["message"] == "still a message"


async def test_message_is_trimmed(connect, logged_in):
    """White space around a message is removed before it is relayed."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    await ada.send_json_to({"message": "  hi  \n"})
    assert (await ada.receive_json_from(timeout=2))["message"] == "hi"


async def test_message_of_2000_characters_is_relayed(connect, logged_in):
    """The longest message allowed (2000 characters after trimming) goes through."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    await ada.send_json_to({"message": "é" * 2000})
    assert (await ada.receive_json_from(timeout=2))["message"] == "é" * 2000


async def test_anonymous_handshake_is_refused(connect, logged_in):
    """A handshake without a session cookie is refused (Daphne answers HTTP 403)."""
    _, connected = await connect(LOBBY)
    assert not connected


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1.evil.example"])
async def test_foreign_origin_is_refused_even_with_a_valid_session(connect, logged_in, origin):
    """A page on another site cannot use the visitor's session cookie to open a socket here."""
    _, connected = await connect(LOBBY, origin=origin, headers=logged_in["ada"].headers)
    assert not connected


async def test_missing_origin_is_refused_even_with_a_valid_session(logged_in):
    """A handshake with no Origin header is refused, cookie or not (browsers always send one)."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    socket = WebsocketCommunicator(application, LOBBY, headers=logged_in["ada"].headers)
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_unknown_session_cookie_is_refused(connect, logged_in):
    """A session key the server never issued counts as anonymous, so it is refused."""
    _, connected = await connect(LOBBY, headers=session_headers("no-such-session-key"))
    assert not connected


@database_sync_to_async
def expire_session(headers):
    """Move a session's expiry date into the past, as two weeks of idleness would."""
    session_key = headers[0][1].decode().split("=", 1)[1]
    past = timezone.now() - timedelta(seconds=1)
    Session.objects.filter(session_key=session_key).update(expire_date=past)


async def test_expired_session_cookie_is_refused(connect, logged_in):
    """A session past its expiry date counts as anonymous, so it is refused."""
    await expire_session(logged_in["ada"].headers)
    _, connected = await connect(LOBBY, headers=logged_in["ada"].headers)
    assert not connected


@database_sync_to_async
def deactivate(user):
    """Mark a user inactive, as an admin who bans them does."""
    user.is_active = False
    user.save(update_fields=["is_active"])


async def test_inactive_user_is_refused(connect, logged_in):
    """A session of a user marked inactive counts as anonymous, so it is refused."""
    await deactivate(logged_in["ada"].user)
    _, connected = await connect(LOBBY, headers=logged_in["ada"].headers)
    assert not connected


@pytest.mark.parametrize(
    "path",
    [
        "/ws/chat/café/",
        "/ws/chat/" + "a" * 51 + "/",
        "/ws/chat/a.b/",
        "/ws/chat/a b/",
        "/ws/chat//",
        "/ws/chat/lobby",
        "/ws/chat/lobby/extra/",
        "/ws/nowhere/",
    ],
)
async def test_invalid_room_name_is_refused_even_when_logged_in(connect, logged_in, path):
    """A path that is not /ws/chat/<1-50 of A-Z a-z 0-9 _ ->/ is refused at the handshake."""
    _, connected = await connect(path, headers=logged_in["ada"].headers)
    assert not connected


async def test_longest_room_name_is_accepted(connect, logged_in):
    """A room name of 50 characters is accepted."""
    _, connected = await connect("/ws/chat/" + "a" * 50 + "/", headers=logged_in["ada"].headers)
    assert connected


async def test_open_socket_keeps_its_user_after_http_logout(connect, logged_in):
    """scope["user"] is read once, at the handshake: after an HTTP logout the socket still
    sends as that user."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    response = await sync_to_async(logged_in["ada"].client.post)("/accounts/logout/")
    assert response.status_code == 302
    await ada.send_json_to({"message": "still here"})
    assert (await ada.receive_json_from(timeout=2))["username"] == "ada"


async def test_new_handshake_after_http_logout_is_refused(connect, logged_in):
    """Logging out deletes the session, so the same cookie opens no new socket."""
    await sync_to_async(logged_in["ada"].client.post)("/accounts/logout/")
    _, connected = await connect(LOBBY, headers=logged_in["ada"].headers)
    assert not connected


BAD_FRAMES = [
    pytest.param({"text_data": "hello"}, "invalid_json", id="not-json"),
    pytest.param({"text_data": "[1, 2]"}, "not_an_object", id="array"),
    pytest.param({"text_data": '"hello"'}, "not_an_object", id="string"),
    pytest.param({"text_data": "null"}, "not_an_object", id="null"),
    pytest.param({"text_data": '{"text": "hi"}'}, "missing_message", id="missing"),
    pytest.param({"text_data": '{"message": 42}'}, "invalid_message", id="number"),
    pytest.param({"text_data": '{"message": null}'}, "invalid_message", id="null-message"),
    pytest.param({"text_data": '{"message": ["hi"]}'}, "invalid_message", id="list-message"),
    pytest.param({"text_data": '{"message": " \\n\\t "}'}, "blank_message", id="blank"),
    pytest.param({"text_data": '{"message": "%s"}' % ("x" * 2001)}, "message_too_long", id="long"),
    pytest.param({"bytes_data": b'{"message": "hi"}'}, "binary_frame", id="binary"),
]


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_gets_an_error_frame(connect, logged_in, frame, code):
    """Bad input gets {"type": "error", "error": <code>, "detail": <sentence>} back."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    await ada.send_to(**frame)
    reply = await ada.receive_json_from(timeout=2)
    assert (reply["type"], reply["error"], bool(reply["detail"])) == ("error", code, True)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_leaves_the_socket_open(connect, logged_in, frame, code):
    """After an error frame, the same socket still sends and receives messages."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    await ada.send_to(**frame)
    await ada.receive_json_from(timeout=2)
    await ada.send_json_to({"message": "after the error"})
    assert (await ada.receive_json_from(timeout=2))["message"] == "after the error"


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_reaches_nobody_else(connect, logged_in, frame, code):
    """The room sees nothing of a bad frame, not even its error."""
    ada, _ = await connect(LOBBY, headers=logged_in["ada"].headers)
    grace, _ = await connect(LOBBY, headers=logged_in["grace"].headers)
    await ada.send_to(**frame)
    await ada.receive_json_from(timeout=2)
    assert await grace.receive_nothing(timeout=0.2)
