"""The echo client page."""

import logging


def test_index_serves_the_echo_client(client):
    """GET / answers the page that loads the echo client script."""
    response = client.get("/")
    assert response.status_code == 200
    assert b"chat/echo.js" in response.content


def test_echo_client_handles_the_four_socket_events():
    """The page's socket client (socket.js) listens for open, message, close and error."""
    from django.contrib.staticfiles import finders

    script = open(finders.find("chat/socket.js"), encoding="utf-8").read()
    for event in ("open", "message", "close", "error"):
        assert f'addEventListener("{event}"' in script


def test_echo_client_never_uses_inner_html():
    """Messages are shown with textContent, so a message holding HTML stays text."""
    from django.contrib.staticfiles import finders

    script = open(finders.find("chat/echo.js"), encoding="utf-8").read()
    assert ".innerHTML" not in script
    assert "textContent" in script


def test_a_foreign_host_gets_a_400_and_logs_no_traceback(client):
    """A request whose Host is not in ALLOWED_HOSTS gets 400, and no traceback in the log."""
    # Daphne's console handler sits on the root logger: record what reaches it.
    reaching_the_console = []
    handler = logging.Handler()
    handler.emit = reaching_the_console.append
    logging.getLogger().addHandler(handler)
    try:
        response = client.get("/", HTTP_HOST="evil.example")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 400
    tracebacks = [record.getMessage() for record in reaching_the_console if record.exc_info]
    assert tracebacks == []
