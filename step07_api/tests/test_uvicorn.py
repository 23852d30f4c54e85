"""config.asgi:application unchanged under uvicorn, another ASGI server, beside a Daphne."""

import json
import urllib.request

import pytest
from websockets.sync.client import connect

from tests.helpers import DEMO_PASSWORDS, Server, live_socket, log_in_over_http

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def daphne_and_uvicorn(tmp_path_factory, redis_url):
    """A Daphne (runserver) and a uvicorn serving the same app, Redis and SQLite file."""
    tmp_path = tmp_path_factory.mktemp("uvicorn")
    daphne, uvicorn = Server(tmp_path), Server(tmp_path)
    try:
        daphne.start()
        daphne.manage("demo_users")
        uvicorn.start(
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(uvicorn.port),
            migrate=False,
        )
        yield daphne, uvicorn
    finally:
        for server in (daphne, uvicorn):
            server.stop()


def test_uvicorn_serves_the_login_page(daphne_and_uvicorn):
    """uvicorn serves Django's HTTP side: the login form, logging ada in."""
    _, uvicorn = daphne_and_uvicorn
    assert log_in_over_http(uvicorn, "ada", DEMO_PASSWORDS["ada"]).startswith("sessionid=")


def test_room_message_crosses_from_uvicorn_to_daphne(daphne_and_uvicorn):
    """ada on uvicorn and grace on Daphne share a room through Redis."""
    daphne, uvicorn = daphne_and_uvicorn
    ada = log_in_over_http(uvicorn, "ada", DEMO_PASSWORDS["ada"])
    grace = log_in_over_http(daphne, "grace", DEMO_PASSWORDS["grace"])
    with (
        live_socket(uvicorn, "/ws/chat/servers/", ada) as on_uvicorn,
        live_socket(daphne, "/ws/chat/servers/", grace) as on_daphne,
    ):
        on_uvicorn.send(json.dumps({"message": "from uvicorn"}))
        frame = json.loads(on_daphne.recv(timeout=5))
    assert frame == {
        "type": "message",
        "room": "servers",
        "username": "ada",
        "message": "from uvicorn",
    }


def test_uvicorn_refuses_a_foreign_origin(daphne_and_uvicorn):
    """The origin check is the application's, so uvicorn refuses a foreign Origin too."""
    from websockets.exceptions import InvalidStatus

    _, uvicorn = daphne_and_uvicorn
    cookie = log_in_over_http(uvicorn, "ada", DEMO_PASSWORDS["ada"])
    with pytest.raises(InvalidStatus) as refused:
        connect(
            f"{uvicorn.ws_url}/ws/chat/servers/",
            origin="http://evil.example",
            additional_headers={"Cookie": cookie},
        )
    assert refused.value.response.status_code == 403


def test_uvicorn_scope_says_wss_behind_a_tls_proxy(daphne_and_uvicorn):
    """uvicorn believes X-Forwarded-Proto from 127.0.0.1: an https page's socket is let in."""
    _, uvicorn = daphne_and_uvicorn
    cookie = log_in_over_http(uvicorn, "ada", DEMO_PASSWORDS["ada"])
    https_page = uvicorn.url.replace("http://", "https://")
    headers = {"Cookie": cookie, "X-Forwarded-Proto": "https"}
    with connect(
        f"{uvicorn.ws_url}/ws/chat/servers/", origin=https_page, additional_headers=headers
    ) as socket:
        socket.send(json.dumps({"message": "through TLS"}))
        assert json.loads(socket.recv(timeout=5))["message"] == "through TLS"


def test_the_second_server_really_is_uvicorn(daphne_and_uvicorn):
    """Its responses carry uvicorn's Server header; Daphne's carry Daphne's."""
    servers = [
        urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=10)
        for server in daphne_and_uvicorn
    ]
    assert [response.headers["Server"] for response in servers] == ["daphne", "uvicorn"]
