"""ASGI entry point: HTTP goes to Django; WebSocket is origin-checked, authenticated, routed."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Set Django up before importing anything that touches models or settings.
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

if settings.DEBUG:
    # `runserver` serves static files itself; this lets `daphne config.asgi:application` do it
    # on a laptop too. In production, collect them and let the proxy (or WhiteNoise) serve them.
    django_asgi_app = ASGIStaticFilesHandler(django_asgi_app)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.handshakes import HandshakeLimit  # noqa: E402
from accounts.tokens import SameOriginOrTokenValidator, TokenAuthMiddleware  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Outside in: refuse foreign origins (a program's token needs none), take turns in a
        # reconnect storm, load scope["user"] from the session cookie, or from the token.
        "websocket": SameOriginOrTokenValidator(
            HandshakeLimit(
                AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
            )
        ),
    }
)
