"""The Channels tutorial's chat (part 3, "rewrite the chat server as asynchronous") on step 6.

The stock configuration the performance figures compare with: the tutorial's consumer and
routing, AllowedHostsOriginValidator and AuthMiddlewareStack, the library's default channel
layer settings (stock_settings.py), and step 6's project for everything else (its database,
login page and demo users, so that the same load tool logs in and runs the same burst).
"""

import json
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stock_settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402


class ChatConsumer(AsyncWebsocketConsumer):
    """The tutorial's consumer, as it is there."""

    async def connect(self):
        """Join the room's group and accept."""
        self.room_name = self.scope["url_route"]["kwargs"]["room_name"]
        self.room_group_name = f"chat_{self.room_name}"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        """Leave the room's group."""
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data):
        """Send the frame's message to the room's group."""
        message = json.loads(text_data)["message"]
        await self.channel_layer.group_send(
            self.room_group_name, {"type": "chat.message", "message": message}
        )

    async def chat_message(self, event):
        """Send a message from the group down this socket."""
        await self.send(text_data=json.dumps({"message": event["message"]}))


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter([re_path(r"ws/chat/(?P<room_name>\w+)/$", ChatConsumer.as_asgi())])
            )
        ),
    }
)
