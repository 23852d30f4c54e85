"""WebSocket routes, matched against the path without its leading slash."""

from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from chat import consumers

websocket_urlpatterns = [
    path("ws/echo/", consumers.EchoConsumer.as_asgi()),
    path("ws/echo/sync/", consumers.SyncEchoConsumer.as_asgi()),
    # re_path captures with a regular expression: "/ws/echo/3x/" echoes each frame 3 times.
    # [1-5], not \d: in Python \d also matches "٣" (Arabic-Indic three).
    re_path(r"^ws/echo/(?P<times>[1-5])x/$", consumers.EchoConsumer.as_asgi()),
    # Without this catch-all, URLRouter raises ValueError and the server logs a traceback.
    re_path(r"", WebsocketDenier.as_asgi()),
]
