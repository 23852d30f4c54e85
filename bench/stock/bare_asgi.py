"""Two WebSocket applications with nothing of the chat in them, for bench/memory.py.

`daphne_only` is plain ASGI: it accepts every socket and waits for it to close, so a socket costs
what Daphne (Twisted, autobahn) and one waiting coroutine cost. `channels_only` is a Channels
consumer that accepts and does nothing else: no session, no user, no group. Both serve step 6's
Django pages over HTTP, as the other applications do.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stock_settings")
django_asgi_app = get_asgi_application()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402


async def accept_and_wait(scope, receive, send):
    """Accept the socket, then wait until it closes."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.disconnect":
            return


class AcceptingConsumer(AsyncWebsocketConsumer):
    """Accept, and nothing else (AsyncWebsocketConsumer's connect() accepts)."""


daphne_only = ProtocolTypeRouter({"http": django_asgi_app, "websocket": accept_and_wait})
channels_only = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": AcceptingConsumer.as_asgi()}
)
