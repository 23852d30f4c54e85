"""Sockets for programs: `Authorization: Token <key>` on the handshake, as on the REST API."""

import hashlib
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from config.origin import SameOriginValidator


def token_group_name(key):
    """The group of the sockets opened with one token, named from a hash of it, not the key."""
    # The key is a credential, and group names sit in Redis (accounts/sessions.py says the same
    # of session keys).
    return "token." + hashlib.sha256(key.encode()).hexdigest()[:32]


def token_words(scope):
    """The words after `Token` in the handshake's Authorization header, or None if it has none."""
    headers = dict(scope["headers"])  # as SameOriginValidator reads them: the last one counts
    words = headers.get(b"authorization", b"").split()
    if not words or words[0].lower() != b"token":
        return None
    return words[1:]


class SameOriginOrTokenValidator(SameOriginValidator):
    """The origin check for a page's socket; a program's socket carries a token instead.

    A page cannot add an Authorization header to a WebSocket handshake: only a cookie rides
    along, which is why a page's socket needs its Origin checked (another site's page would
    send the same cookie). A handshake that carries a token comes from a program, and it is let
    in only if its token is valid (TokenAuthMiddleware), never on the cookie instead.
    """

    def valid_origin(self, scope):
        """Whether the handshake carries a token, or comes from a page of this site."""
        return token_words(scope) is not None or super().valid_origin(scope)


class TokenAuthMiddleware:
    """Let a handshake's token, if it carries one, say who the user is; refuse a bad one.

    Sits inside AuthMiddlewareStack, so that a token's user replaces the cookie's. Like DRF's
    `request.auth`, `scope["auth"]` is then the token, and the consumer joins the token's group
    (see LoggedInConsumer), so that deleting the token closes its sockets.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        """Pass the handshake on as the token's user, as it came, or refuse it (HTTP 403)."""
        query = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if "token" in query:
            # A URL ends up in server logs, proxy logs and browser history: a token there leaks.
            return await WebsocketDenier()(scope, receive, send)
        words = token_words(scope)
        if words is None:
            return await self.app(scope, receive, send)
        token = await self.valid_token(words)
        if token is None:
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(dict(scope, user=token.user, auth=token), receive, send)

    @database_sync_to_async
    def valid_token(self, words):
        """The token `Token <key>` names, if it exists and its user is active, else None."""
        if len(words) != 1:
            return None
        try:
            # DRF's own check, as for an HTTP request: the key exists, the user is active.
            _, token = TokenAuthentication().authenticate_credentials(words[0].decode())
        except (AuthenticationFailed, ValueError):  # ValueError: not UTF-8, or a NUL
            return None
        return token
