"""Exercise 1, "No invisible messages": refused with the error code "invisible_message"."""

import pytest

INVISIBLE = [
    pytest.param("\u0007\u200b", id="bell-and-zero-width-space"),
    pytest.param("\u200b", id="zero-width-space"),
    pytest.param(" \u200b\u2060 ", id="format-characters-in-spaces"),
]
# Frames this exercise is about; others (a presence count, "typing") are skipped.
CHAT_TYPES = {"message", "error"}


async def open_room(connect, name, count):
    """`count` accepted sockets in one room."""
    sockets = []
    for _ in range(count):
        socket, connected = await connect(f"/ws/chat/{name}/")
        assert connected, f"the handshake to /ws/chat/{name}/ was refused"
        sockets.append(socket)
    return sockets


async def next_chat_frame(socket):
    """The next "message" or "error" frame this socket gets."""
    while True:
        frame = await socket.receive_json_from(timeout=2)
        if frame.get("type") in CHAT_TYPES:
            return frame


async def chat_frames_until_quiet(socket):
    """Every "message" or "error" frame that arrives before the socket is quiet for 0.2 s."""
    frames = []
    while not await socket.receive_nothing(timeout=0.2):
        frame = await socket.receive_json_from()
        if frame.get("type") in CHAT_TYPES:
            frames.append(frame)
    return frames


@pytest.mark.parametrize("text", INVISIBLE)
async def test_invisible_message_gets_an_invisible_message_error(connect, text):
    """A message of only control or format characters gets an error frame "invisible_message"."""
    (alice,) = await open_room(connect, "invisible", 1)
    await alice.send_json_to({"message": text, "username": "alice"})
    reply = await next_chat_frame(alice)
    assert reply["type"] == "error", f"the invisible message was relayed: {reply}"
    assert reply.get("error") == "invisible_message"


async def test_invisible_message_error_has_a_sentence(connect):
    """The "invisible_message" error frame's detail is a sentence a person can read."""
    (alice,) = await open_room(connect, "invisible-detail", 1)
    await alice.send_json_to({"message": "\u0007\u200b", "username": "alice"})
    detail = (await next_chat_frame(alice)).get("detail", "")
    assert len(detail.split()) > 3 and detail.endswith(".")


async def test_invisible_message_reaches_nobody_else(connect):
    """Nothing of an invisible message reaches the other members of the room."""
    alice, bob = await open_room(connect, "invisible-quiet", 2)
    await alice.send_json_to({"message": "\u0007\u200b", "username": "alice"})
    await next_chat_frame(alice)
    assert await chat_frames_until_quiet(bob) == []


async def test_socket_stays_open_after_an_invisible_message(connect):
    """After the error frame, a visible message from the same socket still reaches the room."""
    alice, bob = await open_room(connect, "invisible-recover", 2)
    await alice.send_json_to({"message": "\u0007\u200b", "username": "alice"})
    await next_chat_frame(alice)
    await alice.send_json_to({"message": "still here", "username": "alice"})
    assert (await next_chat_frame(bob))["message"] == "still here"


async def test_visible_text_with_a_zero_width_space_is_relayed(connect):
    """Visible text that also holds a zero-width space is an ordinary message."""
    (alice,) = await open_room(connect, "partly-visible", 1)
    await alice.send_json_to({"message": "hi\u200b", "username": "alice"})
    frame = await next_chat_frame(alice)
    assert frame["type"] == "message", f"visible text was refused: {frame}"
    assert frame.get("message") == "hi\u200b"
