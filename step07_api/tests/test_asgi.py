"""How the project is served: Daphne's runserver, and the ASGI application's routers."""

import json
import subprocess
import sys
from urllib.request import urlopen

import pytest
from django.core.management import get_commands
from websockets.sync.client import connect

from tests.helpers import Server, log_in_over_http


def test_runserver_command_is_daphnes():
    """With daphne first in INSTALLED_APPS, `manage.py runserver` is Daphne's (ASGI) command."""
    assert get_commands()["runserver"] == "daphne"


@pytest.mark.live
def test_plain_websockets_cli_is_refused_for_lack_of_an_origin(daphne):
    """`python -m websockets ws://…` sends no Origin header, so the handshake gets HTTP 403."""
    result = subprocess.run(
        [sys.executable, "-m", "websockets", f"{daphne.ws_url}/ws/chat/lobby/"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "server rejected WebSocket connection: HTTP 403" in result.stdout + result.stderr


@pytest.mark.live
def test_daphne_alone_serves_the_room_page_script_and_socket(tmp_path):
    """`daphne config.asgi:application` (no runserver) serves socket.js, login and a chat room."""
    server = Server(tmp_path)
    try:
        server.start(
            "-m", "daphne", "-b", "127.0.0.1", "-p", str(server.port), "config.asgi:application"
        )
        server.manage("demo_users")
        with urlopen(f"{server.url}/static/chat/socket.js", timeout=10) as response:
            assert b"new WebSocket" in response.read()
        cookie = log_in_over_http(server, "ada", "ada-demo-password")
        with connect(
            f"{server.ws_url}/ws/chat/lobby/",
            origin=server.url,
            additional_headers={"Cookie": cookie},
        ) as ws:
            ws.send(json.dumps({"message": "daphne"}))
            assert json.loads(ws.recv(timeout=5))["message"] == "daphne"
    finally:
        server.stop()
