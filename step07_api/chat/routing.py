"""WebSocket routes, matched against the path without its leading slash."""

from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from chat import consumers
from chat.rooms import ROOM_NAME

websocket_urlpatterns = [
    re_path(rf"^ws/chat/(?P<room>{ROOM_NAME})/$", consumers.ChatConsumer.as_asgi()),
    path("ws/inbox/", consumers.InboxConsumer.as_asgi()),
    # Ids of ASCII digits, at most 18 of them: every one fits the database's 64-bit keys.
    re_path(r"^ws/channels/(?P<channel_id>[0-9]{1,18})/$", consumers.ChannelConsumer.as_asgi()),
    # Without this catch-all, URLRouter raises ValueError and the server logs a traceback.
    re_path(r"", WebsocketDenier.as_asgi()),
]
