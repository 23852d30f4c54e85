"""config/wsgi.py and config/asgi.py are the same two interfaces as bare/, built by Django."""

import json
import threading

import pytest
from django.core.management import get_commands

from tests.helpers import call_asgi, call_wsgi, http_get, http_scope


def test_wsgi_application_is_a_wsgi_callable():
    """config.wsgi.application, called with environ and start_response, runs the sync view."""
    from config.wsgi import application

    _, _, body = call_wsgi(application, "/sync/", "delay=0")
    assert json.loads(body)["view"] == "sync"


async def test_asgi_application_is_an_asgi_callable():
    """config.asgi.application, awaited with scope, receive and send, runs the async view."""
    from config.asgi import application

    sent = await call_asgi(application, http_scope("/async/", "delay=0"))
    assert json.loads(sent[-1]["body"])["view"] == "async"


async def test_asgi_application_runs_a_sync_view_off_the_event_loop():
    """Under ASGI, Django runs a sync view in a worker thread, never on the loop's thread."""
    from config.asgi import application

    sent = await call_asgi(application, http_scope("/sync/", "delay=0"))
    assert json.loads(sent[-1]["body"])["thread"] != threading.current_thread().name


def test_runserver_command_is_djangos():
    """Without daphne in INSTALLED_APPS, runserver is Django's (staticfiles extends core's)."""
    assert get_commands()["runserver"] == "django.contrib.staticfiles"


@pytest.mark.live
def test_runserver_serves_through_wsgi(serve):
    """`manage.py runserver` answers from Django's WSGI server (wsgiref underneath)."""
    server = serve()
    _, headers, _ = http_get(f"{server.url}/sync/?delay=0")
    assert headers["Server"].startswith("WSGIServer/")
