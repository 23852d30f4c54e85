"""Sockets end with their session: logout, password change, deactivation (through the ASGI app)."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from tests.helpers import log_in_as

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "another-horse-battery-staple"
LOGGED_OUT = {"type": "websocket.close", "code": 4401}


@pytest.fixture
def ada(django_user_model):
    """A user with a password (a password change needs the old one)."""
    return django_user_model.objects.create_user("ada", password=PASSWORD)


@pytest.fixture
def sessions(ada):
    """A function: log ada in once more, as another browser would, and return that Login."""

    return lambda: log_in_as(ada)


@pytest.fixture
def room_socket(connect):
    """Open a room socket with a Login's session cookie; the test fails if it is refused."""

    async def open_socket(login, room="lobby"):
        socket, connected = await connect(f"/ws/chat/{room}/", headers=login.headers)
        assert connected, "the room socket was refused"
        return socket

    return open_socket


async def log_out(login):
    """Log this session out with the logout form's POST, as its browser would."""
    await sync_to_async(login.client.post)("/accounts/logout/")


async def works(socket):
    """True when a message sent on the socket comes back: the socket is open and relaying."""
    await socket.send_json_to({"message": "still here?"})
    return (await socket.receive_json_from(timeout=1))["message"] == "still here?"


def change_password(login):
    """Change the password through Django's form at /accounts/password_change/ (sync)."""
    form = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = login.client.post("/accounts/password_change/", form)
    assert response.status_code == 302, "the password change form was refused"


async def test_logout_closes_the_sessions_socket_with_4401(sessions, room_socket):
    """A logout over HTTP closes the socket opened with that session, with code 4401, within 1 s."""
    login = await sync_to_async(sessions)()
    socket = await room_socket(login)
    await log_out(login)
    assert await socket.receive_output(timeout=1) == LOGGED_OUT


async def test_logout_closes_every_socket_of_the_session(sessions, room_socket):
    """Every socket opened with the session closes, in every room (every tab of that browser)."""
    login = await sync_to_async(sessions)()
    first, second = await room_socket(login, "one"), await room_socket(login, "two")
    await log_out(login)
    assert [await first.receive_output(timeout=1), await second.receive_output(timeout=1)] == [
        LOGGED_OUT,
        LOGGED_OUT,
    ]


async def test_logout_leaves_the_users_other_sessions_open(sessions, room_socket):
    """The same user's socket from another session (another browser) stays open and relaying."""
    leaving, staying = await sync_to_async(sessions)(), await sync_to_async(sessions)()
    await room_socket(leaving)
    socket = await room_socket(staying)
    await log_out(leaving)
    assert await works(socket)


async def test_frames_after_the_session_ended_reach_nobody(sessions, room_socket, logged_in):
    """A frame racing the 4401 close is dropped: nothing goes out in the ended session's name."""
    login = await sync_to_async(sessions)()
    socket = await room_socket(login)
    listener = await room_socket(logged_in["bob"])
    await log_out(login)
    await socket.receive_output(timeout=1)
    await socket.send_json_to({"message": "sent after the logout"})
    assert await listener.receive_nothing(timeout=0.3)


async def test_room_messages_after_the_session_ended_are_not_sent(sessions, room_socket, logged_in):
    """A room message racing the 4401 close is dropped: Daphne raises on a closing socket."""
    login = await sync_to_async(sessions)()
    socket = await room_socket(login)
    speaker = await room_socket(logged_in["bob"])
    await log_out(login)
    await socket.receive_output(timeout=1)
    await speaker.send_json_to({"message": "sent after the logout"})
    await speaker.receive_json_from(timeout=1)  # the speaker's own copy: the room got it
    assert await socket.receive_nothing(timeout=0.3)


async def test_password_change_closes_the_other_sessions_sockets(sessions, room_socket):
    """A password change closes, with 4401, the sockets of the user's other sessions."""
    changing, other = await sync_to_async(sessions)(), await sync_to_async(sessions)()
    socket = await room_socket(other)
    await sync_to_async(change_password)(changing)
    assert await socket.receive_output(timeout=1) == LOGGED_OUT


async def test_password_change_keeps_the_changing_sessions_sockets(sessions, room_socket):
    """The session that changed the password keeps its open sockets."""
    changing = await sync_to_async(sessions)()
    socket = await room_socket(changing)
    await sync_to_async(change_password)(changing)
    assert await works(socket)


async def test_logout_after_a_password_change_still_closes_the_socket(sessions, room_socket):
    """Django gives the changing session a new key; a later logout still closes its old sockets."""
    changing = await sync_to_async(sessions)()
    socket = await room_socket(changing)
    await sync_to_async(change_password)(changing)
    await log_out(changing)
    assert await socket.receive_output(timeout=1) == LOGGED_OUT


async def test_deactivated_user_loses_every_socket(sessions, room_socket, ada):
    """Saving a user with is_active=False closes their sockets in every session."""
    first, second = await sync_to_async(sessions)(), await sync_to_async(sessions)()
    sockets = [await room_socket(first), await room_socket(second)]
    ada.is_active = False
    await database_sync_to_async(ada.save)()
    assert [await socket.receive_output(timeout=1) for socket in sockets] == [LOGGED_OUT] * 2


async def test_deleted_user_loses_every_socket(sessions, room_socket, ada):
    """Deleting a user closes their sockets."""
    socket = await room_socket(await sync_to_async(sessions)())
    await database_sync_to_async(ada.delete)()
    assert await socket.receive_output(timeout=1) == LOGGED_OUT


def test_session_group_name_is_not_the_session_key(sessions):
    """The group name is random, kept in the session: the key (a credential) is not in it."""
    from accounts.sessions import SESSION_GROUP

    login = sessions()
    group = login.client.session[SESSION_GROUP]
    assert login.client.session.session_key not in group


def test_session_group_name_is_a_valid_group_name(sessions):
    """The session's group name is under 100 of ASCII letters, digits, "-", "_" and "."."""
    from accounts.sessions import SESSION_GROUP

    name = sessions().client.session[SESSION_GROUP]
    assert len(name) < 100 and all(c.isascii() and (c.isalnum() or c in "-_.") for c in name)


async def test_session_from_before_the_groups_is_asked_to_log_in_again(sessions, room_socket):
    """A session with no group (logged in before this code) is accepted, then closed with 4401."""
    from accounts.sessions import SESSION_GROUP

    def session_without_a_group():
        login = sessions()
        session = login.client.session
        del session[SESSION_GROUP]
        session.save()
        return login

    login = await sync_to_async(session_without_a_group)()
    socket = await room_socket(login)
    assert await socket.receive_output(timeout=1) == LOGGED_OUT


async def test_password_change_closes_the_other_sessions_inbox(sessions, connect):
    """An inbox socket left open in another browser stops receiving private messages."""
    changing, other = await sync_to_async(sessions)(), await sync_to_async(sessions)()
    inbox, connected = await connect("/ws/inbox/", headers=other.headers)
    assert connected, "the inbox socket was refused"
    await sync_to_async(change_password)(changing)
    assert await inbox.receive_output(timeout=1) == LOGGED_OUT
