"""The echo consumers, through config.asgi.application (routing and origin check included)."""

import pytest

from tests.helpers import HOST

ECHO_PATHS = ["/ws/echo/", "/ws/echo/sync/"]


@pytest.mark.parametrize("path", ECHO_PATHS)
async def test_text_frame_comes_back_unchanged(connect, path):
    """A text frame comes back as the same text frame."""
    socket, connected = await connect(path)
    assert connected
    await socket.send_to(text_data="hello")
    assert await socket.receive_from(timeout=2) == "hello"


@pytest.mark.parametrize("path", ECHO_PATHS)
async def test_unicode_text_comes_back_unchanged(connect, path):
    """Text outside ASCII (accents, scripts, emoji) comes back character for character."""
    socket, _ = await connect(path)
    text = "café – Ελληνικά – 日本語 – 🎉"
    await socket.send_to(text_data=text)
    assert await socket.receive_from(timeout=2) == text


@pytest.mark.parametrize("path", ECHO_PATHS)
async def test_binary_frame_comes_back_as_binary(connect, path):
    """A binary frame comes back as the same bytes, in a binary frame."""
    socket, _ = await connect(path)
    payload = bytes(range(256))
    await socket.send_to(bytes_data=payload)
    response = await socket.receive_output(timeout=2)
    assert response == {"type": "websocket.send", "bytes": payload}


@pytest.mark.parametrize("path", ECHO_PATHS)
async def test_frames_come_back_in_order(connect, path):
    """Frames sent one after another come back in the order they were sent."""
    socket, _ = await connect(path)
    for number in range(20):
        await socket.send_to(text_data=str(number))
    assert [await socket.receive_from(timeout=2) for _ in range(20)] == [
        str(number) for number in range(20)
    ]


async def test_nothing_is_sent_without_a_frame(connect):
    """The server speaks only when spoken to: no frame arrives unasked."""
    socket, _ = await connect("/ws/echo/")
    assert await socket.receive_nothing(timeout=0.2)


async def test_re_path_capture_sets_the_repeat_count(connect):
    """re_path captures "3" from /ws/echo/3x/, so each frame comes back three times."""
    socket, connected = await connect("/ws/echo/3x/")
    assert connected
    await socket.send_to(text_data="hi")
    assert [await socket.receive_from(timeout=2) for _ in range(3)] == ["hi", "hi", "hi"]
    assert await socket.receive_nothing(timeout=0.2)


async def test_re_path_capture_reaches_the_scope():
    """The captured group arrives in scope["url_route"]["kwargs"] as a string."""
    from channels.routing import URLRouter

    from chat.routing import websocket_urlpatterns

    seen = {}

    async def app(scope, receive, send):
        seen.update(scope["url_route"])

    router = URLRouter(websocket_urlpatterns)
    router.routes[2].callback = app  # the re_path route; others are left as they are
    await router({"type": "websocket", "path": "/ws/echo/4x/"}, None, None)
    assert seen == {"args": (), "kwargs": {"times": "4"}}


@pytest.mark.parametrize("path", ["/ws/echo/٣x/", "/ws/echo/9x/", "/ws/echo/0x/"])
async def test_re_path_refuses_what_it_does_not_capture(connect, path):
    """Digits outside 1-5, Unicode digits included, match no route and are refused."""
    _, connected = await connect(path)
    assert not connected


@pytest.mark.parametrize("path", ["/ws/nowhere/", "/", "/ws/echo", "/ws/echo/extra/"])
async def test_unknown_path_is_refused_at_the_handshake(connect, path):
    """A path with no route is refused at the handshake instead of raising."""
    _, connected = await connect(path)
    assert not connected


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1.evil.example"])
async def test_foreign_origin_is_refused(connect, origin):
    """A page from another site cannot open a socket here."""
    _, connected = await connect("/ws/echo/", origin=origin)
    assert not connected


async def test_missing_origin_is_refused():
    """A handshake with no Origin header at all is refused too (browsers always send one)."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    socket = WebsocketCommunicator(application, "/ws/echo/", [(b"host", HOST.encode())])
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_own_host_on_another_port_is_refused(connect):
    """A page on another port of this host is another origin: its socket is refused."""
    _, connected = await connect("/ws/echo/", origin="http://127.0.0.1:8123")
    assert not connected


async def test_own_host_with_another_scheme_is_refused(connect):
    """An https:// page is another origin than a handshake that came in over plain ws://."""
    _, connected = await connect("/ws/echo/", origin="https://127.0.0.1:8000")
    assert not connected


async def test_trusted_origin_on_another_port_is_accepted(connect, settings):
    """A page served elsewhere may open a socket once its origin is in CSRF_TRUSTED_ORIGINS."""
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8123"]
    _, connected = await connect("/ws/echo/", origin="http://127.0.0.1:8123")
    assert connected


async def test_host_not_in_allowed_hosts_is_refused(connect):
    """A handshake to a Host outside ALLOWED_HOSTS is refused, even when its Origin matches."""
    _, connected = await connect("/ws/echo/", origin="http://evil.example", host="evil.example")
    assert not connected


async def test_https_origin_behind_a_tls_proxy_is_accepted(connect, settings):
    """With SECURE_PROXY_SSL_HEADER set, the proxy's X-Forwarded-Proto: https makes it https."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]
    _, connected = await connect("/ws/echo/", origin="https://127.0.0.1:8000", headers=proxied)
    assert connected


async def test_forwarded_proto_is_ignored_without_secure_proxy_ssl_header(connect):
    """Without SECURE_PROXY_SSL_HEADER, an X-Forwarded-Proto a client sends changes nothing."""
    proxied = [(b"x-forwarded-proto", b"https")]
    _, connected = await connect("/ws/echo/", origin="https://127.0.0.1:8000", headers=proxied)
    assert not connected


async def test_close_after_accept_sends_a_close_without_a_code():
    """close() after accept() sends websocket.close with no code: the server sends 1000."""
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.testing import WebsocketCommunicator

    class CloseAtOnce(AsyncWebsocketConsumer):
        async def connect(self):
            await self.accept()
            await self.close()

    socket = WebsocketCommunicator(CloseAtOnce.as_asgi(), "/")
    await socket.connect()
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close"}
    await socket.disconnect()
