"""Who may open a socket: logged-in users only, room names, the origin check, unknown paths."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.utils import timezone

from tests.helpers import HOST, session_headers

# Session is imported inside the helper that uses it: on a copy of step 3, which has no sessions
# app, `course.py check` can still load this file and grade the handshake tests.

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("room", ["lobby", "a", "Room_2-b", "x" * 50])
async def test_valid_room_name_is_accepted(connect, logged_in, room):
    """1 to 50 of A-Z a-z 0-9 _ - open a socket."""
    _, connected = await connect(f"/ws/chat/{room}/", headers=logged_in["alice"].headers)
    assert connected


@pytest.mark.parametrize(
    "room",
    [
        pytest.param("café", id="accented-letter"),
        pytest.param("x" * 51, id="51-chars"),
        pytest.param("", id="empty"),
        pytest.param("a b", id="space"),
        pytest.param("a%20b", id="encoded-space"),
        pytest.param("a.b", id="dot"),
        pytest.param("٣٤", id="arabic-indic-digits"),
        pytest.param("lobby%0A", id="encoded-trailing-newline"),
    ],
)
async def test_invalid_room_name_is_refused_at_the_handshake(connect, logged_in, room):
    """Anything but 1 to 50 ASCII letters, digits, _ and - is refused before the socket opens."""
    _, connected = await connect(f"/ws/chat/{room}/", headers=logged_in["alice"].headers)
    assert not connected


@pytest.mark.parametrize(
    "path", ["/ws/echo/", "/ws/chat/", "/ws/chat/lobby", "/ws/chat/lobby/extra/", "/"]
)
async def test_unknown_path_is_refused_at_the_handshake(connect, logged_in, path):
    """A path with no route is refused (the echo routes of step 2 are gone)."""
    _, connected = await connect(path, headers=logged_in["alice"].headers)
    assert not connected


async def test_newline_after_the_route_is_refused(connect, logged_in):
    """re_path checks the whole path, so "$" cannot match before a final newline (%0A)."""
    _, connected = await connect("/ws/chat/lobby/%0A", headers=logged_in["alice"].headers)
    assert not connected


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1.evil.example"])
async def test_foreign_origin_is_refused(connect, logged_in, origin):
    """A page from another site cannot open a socket, even with the visitor's session cookie."""
    _, connected = await connect(
        "/ws/chat/lobby/", origin=origin, headers=logged_in["alice"].headers
    )
    assert not connected


async def test_missing_origin_is_refused(logged_in):
    """A handshake with no Origin header is refused, which is why plain CLI clients get 403."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    headers = [(b"host", HOST.encode()), *logged_in["alice"].headers]
    socket = WebsocketCommunicator(application, "/ws/chat/lobby/", headers)
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_own_host_on_another_port_is_refused(connect, logged_in):
    """A page on another port of this host is another origin: refused, even with a session."""
    origin = "http://127.0.0.1:8123"
    _, connected = await connect(
        "/ws/chat/lobby/", origin=origin, headers=logged_in["alice"].headers
    )
    assert not connected


async def test_own_host_with_another_scheme_is_refused(connect, logged_in):
    """An https:// page is another origin than a handshake that came in over plain ws://."""
    origin = "https://127.0.0.1:8000"
    _, connected = await connect(
        "/ws/chat/lobby/", origin=origin, headers=logged_in["alice"].headers
    )
    assert not connected


async def test_trusted_origin_on_another_port_is_accepted(connect, logged_in, settings):
    """A page served elsewhere may open a socket once its origin is in CSRF_TRUSTED_ORIGINS."""
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8123"]
    origin = "http://127.0.0.1:8123"
    _, connected = await connect(
        "/ws/chat/lobby/", origin=origin, headers=logged_in["alice"].headers
    )
    assert connected


async def test_host_not_in_allowed_hosts_is_refused(connect, logged_in):
    """A handshake to a Host outside ALLOWED_HOSTS is refused, even when its Origin matches."""
    origin, host = "http://evil.example", "evil.example"
    _, connected = await connect(
        "/ws/chat/lobby/", origin=origin, host=host, headers=logged_in["alice"].headers
    )
    assert not connected


async def test_https_origin_behind_a_tls_proxy_is_accepted(connect, logged_in, settings):
    """With SECURE_PROXY_SSL_HEADER set, the proxy's X-Forwarded-Proto: https makes it https."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https"), *logged_in["alice"].headers]
    _, connected = await connect(
        "/ws/chat/lobby/", origin="https://127.0.0.1:8000", headers=proxied
    )
    assert connected


async def test_forwarded_proto_is_ignored_without_secure_proxy_ssl_header(connect, logged_in):
    """Without SECURE_PROXY_SSL_HEADER, an X-Forwarded-Proto a client sends changes nothing."""
    proxied = [(b"x-forwarded-proto", b"https"), *logged_in["alice"].headers]
    _, connected = await connect(
        "/ws/chat/lobby/", origin="https://127.0.0.1:8000", headers=proxied
    )
    assert not connected


async def test_anonymous_handshake_is_refused(connect):
    """A handshake without a session cookie is refused before the socket opens."""
    _, connected = await connect("/ws/chat/lobby/")
    assert not connected


async def test_unknown_session_is_refused(connect):
    """A session key the server never issued makes an anonymous user, who is refused."""
    _, connected = await connect("/ws/chat/lobby/", headers=session_headers("no-such-session"))
    assert not connected


@database_sync_to_async
def expire_sessions():
    """Move every session's expiry date into the past, as two idle weeks would."""
    from django.contrib.sessions.models import Session

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))


async def test_expired_session_is_refused(connect, logged_in):
    """A session past its expiry date makes an anonymous user, who is refused."""
    await expire_sessions()
    _, connected = await connect("/ws/chat/lobby/", headers=logged_in["alice"].headers)
    assert not connected


@database_sync_to_async
def deactivate(user):
    """Mark a user inactive, as an administrator who bans them does."""
    user.is_active = False
    user.save(update_fields=["is_active"])


async def test_inactive_user_is_refused(connect, logged_in):
    """The session of a user marked inactive no longer opens a socket."""
    await deactivate(logged_in["alice"].user)
    _, connected = await connect("/ws/chat/lobby/", headers=logged_in["alice"].headers)
    assert not connected


@database_sync_to_async
def change_password(user):
    """Give a user a new password, as the password change form does."""
    user.set_password("a-brand-new-passphrase")
    user.save(update_fields=["password"])


async def test_session_is_refused_after_a_password_change(connect, logged_in):
    """A session from before a password change no longer opens a socket."""
    await change_password(logged_in["alice"].user)
    _, connected = await connect("/ws/chat/lobby/", headers=logged_in["alice"].headers)
    assert not connected


async def test_session_is_refused_after_http_logout(connect, logged_in):
    """Logging out over HTTP deletes the session: its cookie opens no new socket."""
    await sync_to_async(logged_in["alice"].client.post)("/accounts/logout/")
    _, connected = await connect("/ws/chat/lobby/", headers=logged_in["alice"].headers)
    assert not connected
