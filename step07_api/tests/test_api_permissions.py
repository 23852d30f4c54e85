"""Who may do what on every route of the API: anonymous, a member, a message's author, staff."""

import pytest

pytestmark = pytest.mark.django_db

# Every route, as (method, path, body) with {topic}, {channel} and {message} filled in by
# `request()`. The bodies are valid, so that a refusal is the permission's, not validation's.
READS = [
    ("get", "/api/topics/", None),
    ("get", "/api/topics/{topic}/", None),
    ("get", "/api/channels/", None),
    ("get", "/api/channels/{channel}/", None),
    ("get", "/api/messages/", None),
    ("get", "/api/messages/{message}/", None),
]
TOPIC_AND_CHANNEL_WRITES = [
    ("post", "/api/topics/", {"name": "New", "slug": "new"}),
    ("put", "/api/topics/{topic}/", {"name": "Renamed", "slug": "renamed"}),
    ("patch", "/api/topics/{topic}/", {"name": "Renamed"}),
    ("delete", "/api/topics/{topic}/", None),
    ("post", "/api/channels/", {"topic": "{topic}", "name": "New", "slug": "new"}),
    ("put", "/api/channels/{channel}/", {"topic": "{topic}", "name": "Renamed", "slug": "re"}),
    ("patch", "/api/channels/{channel}/", {"name": "Renamed"}),
    ("delete", "/api/channels/{channel}/", None),
]
POST_MESSAGE = ("post", "/api/messages/", {"channel": "{channel}", "body": "hello"})
MESSAGE_CHANGES = [
    ("put", "/api/messages/{message}/", {"channel": "{channel}", "body": "edited"}),
    ("patch", "/api/messages/{message}/", {"body": "edited"}),
    ("delete", "/api/messages/{message}/", None),
]
EVERY_ROUTE = READS + TOPIC_AND_CHANNEL_WRITES + [POST_MESSAGE] + MESSAGE_CHANGES
SUCCESS = {"get": 200, "post": 201, "put": 200, "patch": 200, "delete": 204}


def route_id(route):
    """A test id for a route: "put /api/topics/{topic}/"."""
    return f"{route[0]} {route[1]}"


def routes(found):
    """FOUND as pytest parameters named by route."""
    return pytest.mark.parametrize("route", found, ids=[route_id(route) for route in found])


@pytest.fixture
def request_as(api_as, message):
    """A function: send a route's request as a role; the response."""
    ids = {
        "{topic}": message.channel.topic_id,
        "{channel}": message.channel_id,
        "{message}": message.id,
    }

    def fill(value):
        return ids.get(value, value) if isinstance(value, str) else value

    def send(role, route):
        method, path, body = route
        for name, value in ids.items():
            path = path.replace(name, str(value))
        if body is not None:
            body = {key: fill(value) for key, value in body.items()}
        return getattr(api_as(role), method)(path, body, format="json")

    return send


@routes(EVERY_ROUTE)
def test_anonymous_is_asked_to_authenticate_on_every_route(request_as, route):
    """Nobody logged in: 401, with the header that says a token would do."""
    response = request_as("anonymous", route)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["member", "author", "staff"])
@routes(READS)
def test_everyone_logged_in_reads_every_route(request_as, role, route):
    """A member, an author and staff all read topics, channels and messages."""
    assert request_as(role, route).status_code == 200


@pytest.mark.parametrize("role", ["member", "author", "staff"])
def test_everyone_logged_in_posts_messages(request_as, role):
    """A member, an author and staff all post messages."""
    assert request_as(role, POST_MESSAGE).status_code == 201


@pytest.mark.parametrize("role", ["member", "author"])
@routes(TOPIC_AND_CHANNEL_WRITES)
def test_only_staff_write_topics_and_channels(request_as, role, route):
    """Creating, changing or deleting a topic or a channel is refused to non-staff: 403."""
    assert request_as(role, route).status_code == 403


@routes(TOPIC_AND_CHANNEL_WRITES)
def test_staff_write_topics_and_channels(request_as, route):
    """Staff create, change and delete topics and channels."""
    assert request_as("staff", route).status_code == SUCCESS[route[0]]


@pytest.mark.parametrize("role", ["member", "staff"])
@routes(MESSAGE_CHANGES)
def test_only_the_author_changes_a_message(request_as, role, route):
    """Editing or deleting someone else's message is refused, to staff too: 403."""
    assert request_as(role, route).status_code == 403


@routes(MESSAGE_CHANGES)
def test_the_author_changes_their_message(request_as, route):
    """The author edits (PUT, PATCH) and deletes their own message."""
    assert request_as("author", route).status_code == SUCCESS[route[0]]


def test_refused_edit_changes_nothing(request_as, message):
    """After a member's refused PATCH, the message still says what its author wrote."""
    request_as("member", ("patch", "/api/messages/{message}/", {"body": "vandalised"}))
    message.refresh_from_db()
    assert message.body == "first!"


def test_schema_is_public(api_as):
    """The OpenAPI schema is served to anyone: it documents the API, it holds no data."""
    assert api_as("anonymous").get("/api/schema/").status_code == 200
