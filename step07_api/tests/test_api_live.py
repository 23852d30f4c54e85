"""The API on two real server processes sharing Redis: what one saves, the other's sockets get.

Each test runs twice, once per layer (the two_servers fixture is parametrised): A is the
first process, B the second. The program posting talks to A; the socket listening is B's.
"""

import json
import uuid

import pytest

from tests.helpers import DEMO_PASSWORDS, api_request, api_token, token_socket

pytestmark = pytest.mark.live


@pytest.fixture(scope="session")
def keys(two_servers):
    """API tokens of the demo users: ada's asked of A, grace's of B."""
    a, b = two_servers
    return {
        "ada": api_token(a, "ada", DEMO_PASSWORDS["ada"]),
        "grace": api_token(b, "grace", DEMO_PASSWORDS["grace"]),
    }


@pytest.fixture(scope="session")
def general(two_servers, keys):
    """The id of the demo topic's "general" channel, which the migration made."""
    status, topics = api_request(two_servers[0], "GET", "/api/topics/", key=keys["ada"])
    topic = next(found for found in topics["results"] if found["slug"] == "realtime-django")
    query = f"/api/channels/?topic={topic['id']}"
    _, channels = api_request(two_servers[0], "GET", query, key=keys["ada"])
    return next(found["id"] for found in channels["results"] if found["slug"] == "general")


def post(server, key, channel, text):
    """POST a message to a live server's API; its JSON."""
    status, answer = api_request(
        server, "POST", "/api/messages/", {"channel": channel, "body": text}, key=key
    )
    assert status == 201, answer
    return answer


def unique(text):
    """The text with a random tail, so that a test finds its own message and no earlier one."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def test_post_on_a_reaches_a_socket_on_b(two_servers, keys, general):
    """ada POSTs to A's API; grace's socket, held by B, gets the "message" frame."""
    a, b = two_servers
    text = unique("from A's API")
    with token_socket(b, f"/ws/channels/{general}/", keys["grace"]) as grace:
        answer = post(a, keys["ada"], general, text)
        frame = json.loads(grace.recv(timeout=5))
    assert frame == {"type": "message", **answer}


def test_post_arrives_exactly_once(two_servers, keys, general):
    """Nothing follows the frame: one POST, one frame, on either layer."""
    a, b = two_servers
    with token_socket(b, f"/ws/channels/{general}/", keys["grace"]) as grace:
        post(a, keys["ada"], general, unique("once"))
        grace.recv(timeout=5)
        with pytest.raises(TimeoutError):
            grace.recv(timeout=1)


def test_message_is_committed_when_its_frame_arrives(two_servers, keys, general):
    """On receiving the frame, B's API already serves the message: it was sent after commit."""
    a, b = two_servers
    with token_socket(b, f"/ws/channels/{general}/", keys["grace"]) as grace:
        post(a, keys["ada"], general, unique("committed"))
        frame = json.loads(grace.recv(timeout=5))
        status, found = api_request(b, "GET", f"/api/messages/{frame['id']}/", key=keys["grace"])
    assert status == 200
    assert found["body"] == frame["body"]


def test_edit_and_delete_on_a_reach_b(two_servers, keys, general):
    """ada edits then deletes her message on A; B's socket gets both, in that order."""
    a, b = two_servers
    answer = post(a, keys["ada"], general, unique("to change"))
    path = f"/api/messages/{answer['id']}/"
    with token_socket(b, f"/ws/channels/{general}/", keys["grace"]) as grace:
        api_request(a, "PATCH", path, {"body": "changed"}, key=keys["ada"])
        api_request(a, "DELETE", path, key=keys["ada"])
        edited = json.loads(grace.recv(timeout=5))
        deleted = json.loads(grace.recv(timeout=5))
    assert edited == {**answer, "type": "message_edited", "body": "changed"}
    assert deleted == {"type": "message_deleted", "id": answer["id"]}


def test_socket_post_on_b_is_listed_by_as_api(two_servers, keys, general):
    """grace posts over her socket on B; A's API lists the message as the newest."""
    a, b = two_servers
    text = unique("over B's socket")
    with token_socket(b, f"/ws/channels/{general}/", keys["grace"]) as grace:
        grace.send(json.dumps({"body": text}))
        frame = json.loads(grace.recv(timeout=5))
    _, page = api_request(a, "GET", f"/api/messages/?channel={general}", key=keys["ada"])
    assert page["results"][-1] == {key: value for key, value in frame.items() if key != "type"}


def test_token_in_the_url_is_refused_by_daphne(two_servers, keys, general):
    """A real Daphne refuses `?token=` at the handshake (HTTP 403)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    _, b = two_servers
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{b.ws_url}/ws/channels/{general}/?token={keys['grace']}")
    assert refused.value.response.status_code == 403
