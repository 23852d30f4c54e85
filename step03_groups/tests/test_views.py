"""The HTTP pages: the room picker and the room page."""

import logging

import pytest

ROOM_RULE = "A room name is 1 to 50 of the letters A-Z and a-z, digits, _ and -."


def test_index_shows_the_room_picker(client):
    """GET / answers a form that asks for a room name."""
    response = client.get("/")
    assert response.status_code == 200
    assert b'name="room"' in response.content, "the page has no room name field"


def test_room_query_redirects_to_the_room_page(client):
    """GET /?room=lobby redirects to /chat/lobby/."""
    response = client.get("/", {"room": "lobby"})
    assert response.status_code == 302
    assert response["Location"] == "/chat/lobby/"


def test_room_query_is_trimmed(client):
    """Spaces typed around a room name are dropped before the redirect."""
    response = client.get("/", {"room": "  lobby "})
    assert response["Location"] == "/chat/lobby/"


@pytest.mark.parametrize("room", ["café", "a b", "", "   ", "x" * 51, "a.b", "٣"])
def test_invalid_room_query_is_a_400(client, room):
    """An invalid ?room= answers 400 Bad Request."""
    assert client.get("/", {"room": room}).status_code == 400


def test_invalid_room_query_says_why(client):
    """The 400 page holds the sentence that says what a room name may be."""
    response = client.get("/", {"room": "café"})
    assert ROOM_RULE in response.content.decode()


def test_invalid_room_query_is_shown_escaped(client):
    """What was typed is shown back as text: markup in it is escaped."""
    response = client.get("/", {"room": "<script>alert(1)</script>"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()


def test_invalid_room_query_runs_no_markup(client):
    """The 400 page holds no <script> element taken from the query."""
    response = client.get("/", {"room": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize("room", ["lobby", "Room_2-b", "x" * 50])
def test_room_page_is_served(client, room):
    """GET /chat/<room>/ answers 200 for a valid name."""
    assert client.get(f"/chat/{room}/").status_code == 200


def test_room_page_names_the_room(client):
    """The page heading names the room."""
    response = client.get("/chat/Room_2-b/")
    assert '<span id="room-title">Room_2-b</span>' in response.content.decode()


def test_room_page_hands_the_room_to_the_script_as_json(client):
    """The room name reaches room.js through json_script, not by pasting it into code."""
    response = client.get("/chat/lobby/")
    expected = '<script id="room-name" type="application/json">"lobby"</script>'
    assert expected in response.content.decode()


@pytest.mark.parametrize("path", ["/chat/café/", "/chat/a.b/", "/chat/" + "x" * 51 + "/"])
def test_invalid_room_page_is_404(client, path):
    """/chat/<invalid>/ matches no URL pattern: 404 Not Found."""
    assert client.get(path).status_code == 404


def read_static(path):
    """The text of a static file, found the way Django's static files finder finds it."""
    from django.contrib.staticfiles import finders

    with open(finders.find(path), encoding="utf-8") as script:
        return script.read()


def read_room_script():
    """The text of chat/room.js."""
    return read_static("chat/room.js")


@pytest.mark.parametrize("event", ["open", "message", "close", "error"])
def test_room_script_handles_the_four_socket_events(event):
    """The page's socket client (socket.js) listens for open, message, close and error."""
    assert f'socket.addEventListener("{event}"' in read_static("chat/socket.js")


def test_room_script_never_uses_inner_html():
    """Messages are shown with textContent, so a message holding HTML stays text."""
    assert ".innerHTML" not in read_room_script()


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
