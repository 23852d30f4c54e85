"""The HTTP pages: the room picker and the room page, which needs a login."""

import logging
import re

import pytest

pytestmark = pytest.mark.django_db

ROOM_RULE = "A room name is 1 to 50 of the letters A-Z and a-z, digits, _ and -."
LOGOUT_FORM = re.compile(r'<form method="post" action="/accounts/logout/".*?</form>', re.S)


@pytest.fixture
def member(client, django_user_model):
    """The test client, logged in as alice: room pages need a login from this step on."""
    client.force_login(django_user_model.objects.create_user("alice"))
    return client


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
def test_room_page_is_served(member, room):
    """GET /chat/<room>/ answers 200 for a valid name."""
    assert member.get(f"/chat/{room}/").status_code == 200


def test_room_page_names_the_room(member):
    """The page heading names the room."""
    response = member.get("/chat/Room_2-b/")
    assert '<span id="room-title">Room_2-b</span>' in response.content.decode()


def test_room_page_hands_the_room_to_the_script_as_json(member):
    """The room name reaches room.js through json_script, not by pasting it into code."""
    response = member.get("/chat/lobby/")
    expected = '<script id="room-name" type="application/json">"lobby"</script>'
    assert expected in response.content.decode()


@pytest.mark.parametrize("path", ["/chat/café/", "/chat/a.b/", "/chat/" + "x" * 51 + "/"])
def test_invalid_room_page_is_404(member, path):
    """/chat/<invalid>/ matches no URL pattern: 404 Not Found."""
    assert member.get(path).status_code == 404


def test_room_page_sends_anonymous_visitors_to_login_and_back(client):
    """An anonymous visitor is redirected to the login page, with ?next= to come back."""
    response = client.get("/chat/lobby/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/chat/lobby/"


def test_room_page_shows_who_is_logged_in(member):
    """The room page names the logged-in user."""
    response = member.get("/chat/lobby/")
    assert 'Logged in as <strong id="current-user">alice</strong>' in response.content.decode()


def test_room_page_no_longer_asks_for_a_nickname(member):
    """The nickname field of step 3 is gone: the name comes from the account."""
    assert 'id="username"' not in member.get("/chat/lobby/").content.decode()


def test_room_page_has_a_logout_form_with_a_csrf_token(member):
    """Logging out is a POST form to /accounts/logout/ that carries a CSRF token."""
    form = LOGOUT_FORM.search(member.get("/chat/lobby/").content.decode()).group()
    assert 'name="csrfmiddlewaretoken"' in form


def test_index_offers_login_and_signup_to_anonymous_visitors(client):
    """The room picker links to the login and sign-up pages for a visitor who is not logged in."""
    html = client.get("/").content.decode()
    assert all(link in html for link in ('href="/accounts/login/"', 'href="/accounts/signup/"'))


def test_index_points_anonymous_visitors_to_the_inbox(client):
    """A visitor who is not logged in also finds a link to the inbox on the room picker."""
    assert 'href="/inbox/"' in client.get("/").content.decode()


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


def test_room_script_sends_only_the_message():
    """room.js sends {"message": ...} and no nickname: the server knows who is sending."""
    assert "JSON.stringify({ message: messageInput.value })" in read_room_script()


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
