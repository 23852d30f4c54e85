"""Who may open a socket: room names, the origin check and unknown paths."""

import pytest

from tests.helpers import HOST


@pytest.mark.parametrize("room", ["lobby", "a", "Room_2-b", "x" * 50])
async def test_valid_room_name_is_accepted(connect, room):
    """1 to 50 of A-Z a-z 0-9 _ - open a socket."""
    _, connected = await connect(f"/ws/chat/{room}/")
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
async def test_invalid_room_name_is_refused_at_the_handshake(connect, room):
    """Anything but 1 to 50 ASCII letters, digits, _ and - is refused before the socket opens."""
    _, connected = await connect(f"/ws/chat/{room}/")
    assert not connected


@pytest.mark.parametrize(
    "path", ["/ws/echo/", "/ws/chat/", "/ws/chat/lobby", "/ws/chat/lobby/extra/", "/"]
)
async def test_unknown_path_is_refused_at_the_handshake(connect, path):
    """A path with no route is refused (the echo routes of step 2 are gone)."""
    _, connected = await connect(path)
    assert not connected


async def test_newline_after_the_route_is_refused(connect):
    """re_path checks the whole path, so "$" cannot match before a final newline (%0A)."""
    _, connected = await connect("/ws/chat/lobby/%0A")
    assert not connected


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1.evil.example"])
async def test_foreign_origin_is_refused(connect, origin):
    """A page from another site cannot open a socket to a room."""
    _, connected = await connect("/ws/chat/lobby/", origin=origin)
    assert not connected


async def test_missing_origin_is_refused():
    """A handshake with no Origin header is refused, which is why plain CLI clients get 403."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    socket = WebsocketCommunicator(application, "/ws/chat/lobby/", [(b"host", HOST.encode())])
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_own_host_on_another_port_is_refused(connect):
    """A page on another port of this host is another origin: its socket is refused."""
    _, connected = await connect("/ws/chat/lobby/", origin="http://127.0.0.1:8123")
    assert not connected


async def test_own_host_with_another_scheme_is_refused(connect):
    """An https:// page is another origin than a handshake that came in over plain ws://."""
    _, connected = await connect("/ws/chat/lobby/", origin="https://127.0.0.1:8000")
    assert not connected


async def test_trusted_origin_on_another_port_is_accepted(connect, settings):
    """A page served elsewhere may open a socket once its origin is in CSRF_TRUSTED_ORIGINS."""
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8123"]
    _, connected = await connect("/ws/chat/lobby/", origin="http://127.0.0.1:8123")
    assert connected


async def test_host_not_in_allowed_hosts_is_refused(connect):
    """A handshake to a Host outside ALLOWED_HOSTS is refused, even when its Origin matches."""
    origin, host = "http://evil.example", "evil.example"
    _, connected = await connect("/ws/chat/lobby/", origin=origin, host=host)
    assert not connected


async def test_https_origin_behind_a_tls_proxy_is_accepted(connect, settings):
    """With SECURE_PROXY_SSL_HEADER set, the proxy's X-Forwarded-Proto: https makes it https."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]
    _, connected = await connect(
        "/ws/chat/lobby/", origin="https://127.0.0.1:8000", headers=proxied
    )
    assert connected


async def test_forwarded_proto_is_ignored_without_secure_proxy_ssl_header(connect):
    """Without SECURE_PROXY_SSL_HEADER, an X-Forwarded-Proto a client sends changes nothing."""
    proxied = [(b"x-forwarded-proto", b"https")]
    _, connected = await connect(
        "/ws/chat/lobby/", origin="https://127.0.0.1:8000", headers=proxied
    )
    assert not connected
