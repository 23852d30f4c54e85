"""Exercise 1, "Shout back": /ws/echo/upper/ echoes text in capitals, binary unchanged."""

import json

UPPER = "/ws/echo/upper/"


async def open_socket(connect, path):
    """An accepted socket to `path`; the test stops here if the handshake is refused."""
    socket, connected = await connect(path)
    assert connected, f"the handshake to {path} was refused: is its route above the catch-all?"
    return socket


async def receive_echo(socket):
    """The next frame, skipping the {"type": "welcome"} of exercise 2 if you did that one too."""
    while True:
        output = await socket.receive_output(timeout=2)
        if output.get("text") is None:
            return output
        try:
            greeting = json.loads(output["text"]) == {"type": "welcome"}
        except ValueError:
            greeting = False
        if not greeting:
            return output


async def test_upper_route_accepts_the_handshake(connect):
    """A socket to /ws/echo/upper/ is accepted (the route sits above the catch-all)."""
    await open_socket(connect, UPPER)


async def test_upper_echoes_text_in_capitals(connect):
    """A text frame sent to /ws/echo/upper/ comes back in capitals, accents included."""
    socket = await open_socket(connect, UPPER)
    await socket.send_to(text_data="hello, café")
    assert await receive_echo(socket) == {"type": "websocket.send", "text": "HELLO, CAFÉ"}


async def test_upper_echoes_binary_unchanged(connect):
    """A binary frame sent to /ws/echo/upper/ comes back as the same bytes, not upper-cased."""
    socket = await open_socket(connect, UPPER)
    payload = b"hello" + bytes(range(256))
    await socket.send_to(bytes_data=payload)
    assert await receive_echo(socket) == {"type": "websocket.send", "bytes": payload}


async def test_plain_echo_still_echoes_unchanged(connect):
    """/ws/echo/ still sends text back exactly as it came, lower case included."""
    socket = await open_socket(connect, "/ws/echo/")
    await socket.send_to(text_data="hello")
    assert await receive_echo(socket) == {"type": "websocket.send", "text": "hello"}
