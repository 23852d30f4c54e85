"""The bare WSGI and ASGI callables: called by hand as a server would, then really served."""

import http.client

import pytest
from bare.hello_asgi import app as asgi_app
from bare.hello_wsgi import app as wsgi_app
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.helpers import call_asgi, call_wsgi, http_get, http_scope

# The commands the README shows; Daphne binds 127.0.0.1 unless told otherwise.
WSGI_COMMAND = ("bare/hello_wsgi.py", "{port}")
ASGI_COMMAND = ("-m", "daphne", "-p", "{port}", "bare.hello_asgi:app")


def test_wsgi_app_starts_a_200_response():
    """The WSGI callable reports its status through start_response."""
    status, _, _ = call_wsgi(wsgi_app, "/hello")
    assert status == "200 OK"


def test_wsgi_app_returns_the_body_as_bytes():
    """The WSGI callable's return value is an iterable of bytes: the body."""
    _, _, body = call_wsgi(wsgi_app, "/hello")
    assert body == b"Hello from WSGI: GET /hello\n"


def test_wsgi_app_declares_its_content_length():
    """The Content-Length header matches the body."""
    _, headers, body = call_wsgi(wsgi_app, "/hello")
    assert headers["Content-Length"] == str(len(body))


def test_wsgi_app_reads_a_utf8_path():
    """PATH_INFO arrives as Latin-1 text; the app turns it back into the UTF-8 path."""
    _, _, body = call_wsgi(wsgi_app, "/café")
    assert body.decode() == "Hello from WSGI: GET /café\n"


async def test_asgi_app_sends_start_then_body():
    """The ASGI callable answers with two send() calls: the status and headers, then the body."""
    sent = await call_asgi(asgi_app, http_scope("/hello"))
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]


async def test_asgi_app_answers_200():
    """The first message carries the status."""
    sent = await call_asgi(asgi_app, http_scope("/hello"))
    assert sent[0]["status"] == 200


async def test_asgi_app_sends_the_body_as_bytes():
    """The second message carries the body."""
    sent = await call_asgi(asgi_app, http_scope("/hello"))
    assert sent[1]["body"] == b"Hello from ASGI: GET /hello\n"


async def test_asgi_app_refuses_a_websocket():
    """For a WebSocket scope the app closes before accepting, which refuses the handshake."""
    sent = await call_asgi(asgi_app, {"type": "websocket", "path": "/ws/"})
    assert sent == [{"type": "websocket.close"}]


async def test_asgi_app_ignores_lifespan():
    """For a lifespan scope the app sends nothing and returns."""
    sent = await call_asgi(asgi_app, {"type": "lifespan"})
    assert sent == []


@pytest.mark.live
def test_wsgi_app_served_by_wsgiref_answers_a_real_request(serve):
    """`python bare/hello_wsgi.py PORT` serves the app over a real connection."""
    server = serve(*WSGI_COMMAND)
    _, _, body = http_get(f"{server.url}/caf%C3%A9")
    assert body.decode() == "Hello from WSGI: GET /café\n"


@pytest.mark.live
def test_asgi_app_served_by_daphne_answers_a_real_request(serve):
    """`python -m daphne -p PORT bare.hello_asgi:app` serves the app over a real connection."""
    server = serve(*ASGI_COMMAND)
    _, _, body = http_get(f"{server.url}/caf%C3%A9")
    assert body.decode() == "Hello from ASGI: GET /café\n"


@pytest.mark.live
def test_daphne_calls_the_asgi_app_once_per_request_not_per_connection(serve):
    """Two requests on one kept-alive TCP connection are two calls, each with its own scope."""
    server = serve(*ASGI_COMMAND)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    bodies, sockets = [], []
    for path in ("/first", "/second"):
        connection.request("GET", path)
        bodies.append(connection.getresponse().read().decode())
        sockets.append(connection.sock)
    connection.close()
    assert sockets[0] is sockets[1]  # one connection: http.client kept it open
    assert bodies == ["Hello from ASGI: GET /first\n", "Hello from ASGI: GET /second\n"]


@pytest.mark.live
def test_asgi_app_served_by_daphne_refuses_a_websocket_with_403(serve):
    """Daphne turns the app's close-before-accept into an HTTP 403 for the handshake."""
    server = serve(*ASGI_COMMAND)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{server.port}/ws/", open_timeout=10)
    assert refused.value.response.status_code == 403
