"""ws/channels/<id>/: a chat channel's messages, live, whether posted over the API or a socket."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction

from api.models import Message
from api.serializers import MessageSerializer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def watch(connect, chat_channel, log_in):
    """A function: open the chat channel's socket as a new logged-in user; the socket."""

    async def open_as(username, channel=None):
        login = await sync_to_async(log_in)(username)
        path = f"/ws/channels/{(channel or chat_channel).id}/"
        socket, connected = await connect(path, headers=login.headers)
        assert connected, f"the channel socket of {username} was refused"
        return socket

    return open_as


@pytest.fixture
def api(api_as):
    """A function: send an API request as ROLE from async code; the response."""

    @sync_to_async
    def send(role, method, path, data=None):
        return getattr(api_as(role), method)(path, data, format="json")

    return send


@pytest.fixture
async def post(api_as, chat_channel):
    """A function: POST a message to the chat channel over the API as ROLE; the JSON answer."""

    @sync_to_async
    def post_as(role, body, channel=None):
        data = {"channel": (channel or chat_channel).id, "body": body}
        response = api_as(role).post("/api/messages/", data, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return post_as


async def test_logged_in_user_opens_the_channel_socket(connect, chat_channel, logged_in):
    """A logged-in user's handshake to an existing channel is accepted."""
    path = f"/ws/channels/{chat_channel.id}/"
    _, connected = await connect(path, headers=logged_in["alice"].headers)
    assert connected


async def test_anonymous_handshake_is_refused(connect, chat_channel):
    """Nobody logged in: refused at the handshake."""
    _, connected = await connect(f"/ws/channels/{chat_channel.id}/")
    assert not connected


@pytest.mark.parametrize("path", ["/ws/channels/999999/", "/ws/channels/abc/", "/ws/channels/"])
async def test_unknown_channel_is_refused(connect, logged_in, path):
    """A channel id that does not exist, or is no id: refused at the handshake."""
    _, connected = await connect(path, headers=logged_in["alice"].headers)
    assert not connected


async def test_api_post_reaches_the_channels_socket(watch, post):
    """A message POSTed to /api/messages/ arrives as a "message" frame."""
    socket = await watch("alice")
    await post("member", "over HTTP")
    frame = await socket.receive_json_from(timeout=5)
    assert frame["type"] == "message"
    assert frame["body"] == "over HTTP"


async def test_frame_holds_the_apis_json(watch, post):
    """The frame is the API's answer plus "type": the same keys, ids and not links."""
    socket = await watch("alice")
    answer = await post("member", "same keys")
    frame = await socket.receive_json_from(timeout=5)
    assert frame == {"type": "message", **answer}


async def test_every_socket_of_the_channel_gets_the_message(watch, post):
    """Two people watching the channel both get it."""
    alice, bob = await watch("alice"), await watch("bob")
    await post("member", "to both")
    assert (await alice.receive_json_from(timeout=5))["body"] == "to both"
    assert (await bob.receive_json_from(timeout=5))["body"] == "to both"


async def test_another_channels_message_does_not_arrive(watch, post, chat_channel):
    """A message posted to another channel is not sent to this channel's sockets."""
    other = await sync_to_async(chat_channel.topic.channels.create)(name="Other", slug="other")
    socket = await watch("alice")
    await post("member", "elsewhere", channel=other)
    assert await socket.receive_nothing(timeout=1)


async def test_edit_arrives_as_message_edited(watch, api, message):
    """A PATCH by the author arrives as "message_edited" with the message's new JSON."""
    socket = await watch("alice")
    response = await api("author", "patch", f"/api/messages/{message.id}/", {"body": "edited"})
    frame = await socket.receive_json_from(timeout=5)
    assert frame == {"type": "message_edited", **response.json()}


async def test_delete_arrives_as_message_deleted(watch, api, message):
    """A DELETE by the author arrives as "message_deleted" with the message's id only."""
    socket = await watch("alice")
    await api("author", "delete", f"/api/messages/{message.id}/")
    frame = await socket.receive_json_from(timeout=5)
    assert frame == {"type": "message_deleted", "id": message.id}


async def test_refused_edit_sends_nothing(watch, api, message):
    """A member's refused PATCH (403) reaches no socket."""
    socket = await watch("alice")
    await api("member", "patch", f"/api/messages/{message.id}/", {"body": "vandalised"})
    assert await socket.receive_nothing(timeout=1)


def save_in_a_transaction(user, chat_channel, socket, commit):
    """Save a message inside transaction.atomic(); say whether the socket got nothing meanwhile.

    With COMMIT false, the block then raises and is rolled back. (Sync code: the socket is
    read through async_to_sync, on the test's event loop.)
    """

    class RolledBack(Exception):
        pass

    quiet = None
    try:
        with transaction.atomic():
            serializer = MessageSerializer(data={"channel": chat_channel.id, "body": "maybe"})
            serializer.is_valid(raise_exception=True)
            serializer.save(author=user)
            quiet = async_to_sync(socket.receive_nothing)(timeout=1)
            if not commit:
                raise RolledBack
    except RolledBack:
        pass
    return quiet


async def test_nothing_is_sent_before_the_commit(watch, chat_channel, people):
    """Inside the transaction the message is saved, and still no socket has it."""
    socket = await watch("alice")
    quiet = await sync_to_async(save_in_a_transaction)(people["member"], chat_channel, socket, True)
    assert quiet


async def test_message_is_sent_once_committed(watch, chat_channel, people):
    """When the transaction commits, the message is sent."""
    socket = await watch("alice")
    await sync_to_async(save_in_a_transaction)(people["member"], chat_channel, socket, True)
    assert (await socket.receive_json_from(timeout=5))["body"] == "maybe"


async def test_rolled_back_create_sends_nothing(watch, chat_channel, people):
    """A message saved in a transaction that is rolled back is never sent, nor kept."""
    socket = await watch("alice")
    await sync_to_async(save_in_a_transaction)(people["member"], chat_channel, socket, False)
    assert await socket.receive_nothing(timeout=1)
    assert not await Message.objects.filter(body="maybe").aexists()


# Posting over the socket: the same serializer, the same save, the same announcement.


async def test_socket_post_is_saved_and_sent_to_every_socket(watch):
    """{"body": ...} from alice is saved, and reaches bob's socket and her own."""
    alice, bob = await watch("alice"), await watch("bob")
    await alice.send_json_to({"body": "over the socket"})
    to_bob = await bob.receive_json_from(timeout=5)
    to_alice = await alice.receive_json_from(timeout=5)
    saved = await Message.objects.select_related("author").aget(body="over the socket")
    assert to_bob == to_alice
    assert to_bob["id"] == saved.id
    assert saved.author.username == "alice"


async def test_socket_post_author_comes_from_the_session(watch):
    """An `author` in the frame is ignored: the message is the logged-in user's."""
    alice = await watch("alice")
    await alice.send_json_to({"body": "forged?", "author": "bob"})
    frame = await alice.receive_json_from(timeout=5)
    assert frame["author"] == "alice"


async def test_socket_post_is_readable_over_the_api(watch, api):
    """A message posted over the socket is in GET /api/messages/<id>/ once it arrives."""
    alice = await watch("alice")
    await alice.send_json_to({"body": "read me back"})
    frame = await alice.receive_json_from(timeout=5)
    response = await api("member", "get", f"/api/messages/{frame['id']}/")
    assert response.json() == {key: value for key, value in frame.items() if key != "type"}


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param({"body": "   "}, id="blank"),
        pytest.param({"body": "x" * 2001}, id="2001-characters"),
        pytest.param({"body": "a\x00b"}, id="NUL"),
        pytest.param({"body": 7.5e300}, id="huge-number"),
        pytest.param({"message": "step 3's key"}, id="no-body"),
    ],
)
async def test_bad_socket_post_gets_the_apis_field_error(watch, frame):
    """Refused by the API's own rules: an "invalid_body" error frame, to the sender only."""
    alice, bob = await watch("alice"), await watch("bob")
    await alice.send_json_to(frame)
    error = await alice.receive_json_from(timeout=5)
    assert error["type"] == "error"
    assert error["error"] == "invalid_body"
    assert await bob.receive_nothing(timeout=0.5)


async def test_socket_stays_open_after_a_bad_post(watch):
    """After an error frame, the next good message is posted."""
    alice = await watch("alice")
    await alice.send_json_to({"body": ""})
    await alice.receive_json_from(timeout=5)
    await alice.send_json_to({"body": "now a good one"})
    assert (await alice.receive_json_from(timeout=5))["body"] == "now a good one"


async def test_frame_that_is_not_json_gets_an_error_frame(watch):
    """Not JSON: step 3's "invalid_json" error frame, and nothing saved."""
    alice = await watch("alice")
    await alice.send_to(text_data="{nope")
    error = await alice.receive_json_from(timeout=5)
    assert error["error"] == "invalid_json"


async def test_socket_post_to_a_channel_deleted_meanwhile_gets_an_error_frame(
    watch, channel_deleted_after_its_check
):
    """The save is refused at the commit: an "invalid_channel" error frame, not a crash."""
    alice = await watch("alice")
    await alice.send_json_to({"body": "too late"})
    error = await alice.receive_json_from(timeout=5)
    assert error["error"] == "invalid_channel"
    assert not await sync_to_async(Message.objects.exists)()
