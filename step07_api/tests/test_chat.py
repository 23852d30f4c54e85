"""The chat consumer through config.asgi.application: relaying, trimming and bad input."""

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

# (frame as sent, error code the sender gets back). Frames are raw text or bytes so that
# anything a real client could send can be sent, the empty text frame included.
BAD_FRAMES = [
    pytest.param("not json", "invalid_json", id="not-json"),
    pytest.param("", "invalid_json", id="empty-text-frame"),
    pytest.param("[1, 2]", "not_an_object", id="list"),
    pytest.param('"hi"', "not_an_object", id="string"),
    pytest.param("42", "not_an_object", id="number"),
    pytest.param("null", "not_an_object", id="null"),
    pytest.param('{"username": "ada"}', "missing_message", id="missing-message"),
    pytest.param('{"message": 42}', "invalid_message", id="number-message"),
    pytest.param('{"message": null}', "invalid_message", id="null-message"),
    pytest.param('{"message": ["hi"]}', "invalid_message", id="list-message"),
    pytest.param('{"message": ""}', "blank_message", id="empty-message"),
    pytest.param('{"message": " \\n\\t "}', "blank_message", id="whitespace-message"),
    pytest.param(json.dumps({"message": "x" * 2001}), "message_too_long", id="2001-chars"),
    pytest.param('{"message": "a\\u0000b"}', "invalid_message", id="nul-in-message"),
    pytest.param('{"message": "a\\ud800b"}', "invalid_message", id="lone-surrogate-in-message"),
    pytest.param('{"message": "\\udfff"}', "invalid_message", id="lone-low-surrogate"),
    pytest.param(b'{"message": "hi"}', "binary_frame", id="binary-frame"),
    pytest.param("[" * 5000, "too_deeply_nested", id="deeply-nested"),
]


async def send_frame(socket, frame):
    """Send one raw frame: str as a text frame, bytes as a binary frame."""
    key = "bytes" if isinstance(frame, bytes) else "text"
    await socket.send_input({"type": "websocket.receive", key: frame})


@pytest.fixture
def room(connect, logged_in):
    """Open sockets in one room as alice, bob, carol (`count` of them); a new room per test."""

    async def open_room(name, count=2):
        sockets = []
        for username in ["alice", "bob", "carol"][:count]:
            headers = logged_in[username].headers
            socket, connected = await connect(f"/ws/chat/{name}/", headers=headers)
            assert connected
            sockets.append(socket)
        return sockets

    return open_room


async def test_message_reaches_every_member_including_the_sender(room):
    """Everyone in the room, the sender too, gets the message frame exactly as DESIGN says."""
    alice, bob = await room("relay")
    await alice.send_json_to({"message": "hello"})
    expected = {"type": "message", "room": "relay", "username": "alice", "message": "hello"}
    assert [await alice.receive_json_from(), await bob.receive_json_from()] == [expected] * 2


async def test_message_does_not_reach_another_room(room):
    """A socket in another room hears nothing."""
    (alice,) = await room("here", count=1)
    (elsewhere,) = await room("there", count=1)
    await alice.send_json_to({"message": "hello"})
    await alice.receive_json_from()
    assert await elsewhere.receive_nothing(timeout=0.2)


async def test_message_is_trimmed(room):
    """White space around the message is removed before it is relayed."""
    (alice,) = await room("trim", count=1)
    await alice.send_json_to({"message": "  \n hello there \t "})
    assert (await alice.receive_json_from())["message"] == "hello there"


async def test_unicode_message_is_relayed_unchanged(room):
    """Text outside ASCII reaches the room character for character."""
    (alice,) = await room("unicode", count=1)
    text = "café – Ελληνικά – 日本語 – 🎉"
    await alice.send_json_to({"message": text})
    assert (await alice.receive_json_from())["message"] == text


async def test_messages_arrive_in_the_order_they_were_sent(room):
    """Twenty messages from one sender reach another member in order."""
    alice, bob = await room("order")
    for number in range(20):
        await alice.send_json_to({"message": str(number)})
    received = [(await bob.receive_json_from())["message"] for _ in range(20)]
    assert received == [str(number) for number in range(20)]


async def test_2000_characters_are_accepted(room):
    """A message of exactly 2000 characters is relayed in full."""
    (alice,) = await room("longest", count=1)
    await alice.send_json_to({"message": "x" * 2000})
    assert (await alice.receive_json_from())["message"] == "x" * 2000


async def test_length_limit_applies_after_trimming(room):
    """2000 characters wrapped in spaces are accepted: the limit counts the trimmed text."""
    (alice,) = await room("padded", count=1)
    await alice.send_json_to({"message": "   " + "x" * 2000 + "   "})
    assert (await alice.receive_json_from())["type"] == "message"


async def test_message_is_signed_with_the_session_user(room):
    """The name on a message comes from the sender's session: bob's message says "bob"."""
    alice, bob = await room("signed")
    await bob.send_json_to({"message": "hi"})
    assert (await alice.receive_json_from())["username"] == "bob"


@pytest.mark.parametrize("claimed", ["alice", "  ", "n" * 31, 42, None, ["alice"]])
async def test_client_username_is_ignored(room, claimed):
    """A "username" in the frame, whatever it holds, changes nothing: no error, no impostor."""
    alice, bob = await room("impostor")
    await bob.send_json_to({"message": "I am Alice", "username": claimed})
    assert (await alice.receive_json_from())["username"] == "bob"


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_gets_an_error_frame_with_its_code(room, frame, code):
    """The sender gets {"type": "error", "error": <code>, "detail": ...} for bad input."""
    (alice,) = await room("errors", count=1)
    await send_frame(alice, frame)
    reply = await alice.receive_json_from()
    assert sorted(reply) == ["detail", "error", "type"]
    assert reply["type"] == "error"
    assert reply["error"] == code


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_error_detail_is_a_sentence(room, frame, code):
    """The error frame's detail is a sentence a person can read."""
    (alice,) = await room("details", count=1)
    await send_frame(alice, frame)
    detail = (await alice.receive_json_from())["detail"]
    assert len(detail.split()) > 3 and detail.endswith(".")


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_bad_frame_reaches_nobody_else(room, frame, code):
    """Nothing of a bad frame reaches the other members of the room: not even the error."""
    alice, bob = await room("quiet")
    await send_frame(alice, frame)
    await alice.receive_json_from()
    assert await bob.receive_nothing(timeout=0.1)


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_socket_stays_open_after_a_bad_frame(room, frame, code):
    """After the error frame, a good message from the same socket still reaches the room."""
    alice, bob = await room("recover")
    await send_frame(alice, frame)
    await alice.receive_json_from()
    await alice.send_json_to({"message": "still here"})
    assert (await bob.receive_json_from())["message"] == "still here"


@pytest.mark.parametrize(
    "client_type", ["websocket.disconnect", "websocket.close", "websocket.send", "chat_message"]
)
async def test_client_type_key_cannot_choose_the_event(room, client_type):
    """A "type" key from the client is ignored: the message is relayed as any other."""
    alice, bob = await room("typed")
    await alice.send_json_to({"type": client_type, "message": "x", "username": "mallory"})
    expected = {"type": "message", "room": "typed", "username": "alice", "message": "x"}
    assert await bob.receive_json_from() == expected


async def test_client_disconnect_type_does_not_close_the_socket(room):
    """{"type": "websocket.disconnect"} from the client does not end its connection."""
    (alice,) = await room("staying", count=1)
    await alice.send_json_to({"type": "websocket.disconnect", "message": "x"})
    await alice.receive_json_from()
    await alice.send_json_to({"message": "after"})
    assert (await alice.receive_json_from())["message"] == "after"


async def test_nothing_is_sent_without_a_message(room):
    """Joining a room sends nothing: the server speaks only when someone writes."""
    (alice,) = await room("silent", count=1)
    assert await alice.receive_nothing(timeout=0.2)


async def test_room_goes_on_after_a_member_leaves(room):
    """After one member disconnects, the others still chat."""
    alice, bob, carol = await room("leaving", count=3)
    await carol.disconnect()
    await alice.send_json_to({"message": "still here?"})
    assert (await bob.receive_json_from())["message"] == "still here?"
