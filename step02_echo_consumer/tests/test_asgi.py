"""How the project is served: Daphne's runserver, and the ASGI application's routers."""

import subprocess
import sys

import pytest
from django.core.management import get_commands


def test_runserver_command_is_daphnes():
    """With daphne first in INSTALLED_APPS, `manage.py runserver` is Daphne's (ASGI) command."""
    assert get_commands()["runserver"] == "daphne"


@pytest.mark.live
def test_plain_websockets_cli_is_refused_for_lack_of_an_origin(daphne):
    """`python -m websockets ws://…` sends no Origin header, so the handshake gets HTTP 403."""
    result = subprocess.run(
        [sys.executable, "-m", "websockets", f"{daphne.ws_url}/ws/echo/"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "server rejected WebSocket connection: HTTP 403" in result.stdout + result.stderr
