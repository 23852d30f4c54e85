"""The echo client page."""


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
