"""An ASGI application without Django: a coroutine the server awaits once per request or socket.

Serve it with `python -m daphne -p 8001 bare.hello_asgi:app`, from the step folder.
"""


async def app(scope, receive, send):
    """Answer every HTTP request with one line of text naming its method and path."""
    if scope["type"] == "websocket":
        # This app speaks HTTP only: closing before accepting refuses the handshake.
        await send({"type": "websocket.close"})
        return
    if scope["type"] != "http":
        return  # "lifespan" (start-up and shut-down events): nothing to do here.
    # ASGI hands over the path as text, already decoded from UTF-8.
    body = f"Hello from ASGI: {scope['method']} {scope['path']}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
