"""A consumer for logged-in users: its socket closes when its session ends, or Redis is lost."""

import asyncio
import contextlib
import logging

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from accounts.sessions import LOGGED_OUT, SESSION_GROUP, user_group_name
from accounts.tokens import token_group_name

logger = logging.getLogger(__name__)

# The close code for "Redis is unreachable, try again later" (HTTP's 503). Not 1011: Daphne
# sends an application's close code only if it is 1000 or 3000-4999. Pages retry after it.
REDIS_LOST = 4503


class LoggedInConsumer(AsyncJsonWebsocketConsumer):
    """Join the session's and the user's groups; close the socket when either says it ended.

    Subclasses refuse anonymous handshakes in `connect()`; `self.user` is `scope["user"]`.
    """

    ended = False  # True once this consumer has closed its socket: see close()

    async def __call__(self, scope, receive, send):
        """Run the consumer; if it raises or is cancelled, clean up as a closed socket would.

        Channels leaves `self.groups` and runs disconnect() in websocket_disconnect, when the
        socket closes; a handler that raises ends the consumer before that, and its channel
        would stay in its groups, a member nobody reads. The error still reaches Daphne, which
        logs its traceback and closes the socket with 1011: a bug stays loud.

        A lost Redis is not a bug, and no traceback: it surfaces wherever the consumer awaits the
        channel layer (the core layer's receive(), which Channels awaits between handlers, and
        group_add, group_send or group_discard inside them), and closes the socket with 4503
        and one warning line. (The Pub/Sub layer's receive() waits through an outage instead,
        so there a socket is closed only if it uses Redis meanwhile.)
        """
        try:
            await super().__call__(scope, receive, send)
        except (RedisConnectionError, RedisTimeoutError) as error:
            logger.warning("Redis is unreachable, closing %s: %s", scope["path"], error)
            # `send` itself, not self.close(): Redis can fail before Channels has stored `send`.
            # A handshake still under way is refused instead (Daphne answers HTTP 403).
            await send({"type": "websocket.close", "code": REDIS_LOST})
            await self.clean_up(REDIS_LOST)
        except Exception:
            await self.clean_up(1011)  # the code Daphne closes the socket with
            raise
        except asyncio.CancelledError:
            # Daphne cancels every consumer when it stops, and one still running 10 s after its
            # socket closed (application_close_timeout). With Redis a group outlives the process
            # and would keep the member for a day: leave the groups, then end cancelled. (Cancelled
            # again meanwhile, as Daphne does each second, the cleanup ends there.)
            await self.clean_up(1006)  # what the client sees: no close frame
            raise

    async def clean_up(self, code):
        """Leave each group in `self.groups`, then run disconnect(): websocket_disconnect's work."""
        for group in self.groups:
            # Redis may be gone: that is no reason to skip the next group (the Pub/Sub layer
            # forgets a member in memory before it calls Redis), nor to hide the error that
            # ended the consumer behind this one.
            with contextlib.suppress(RedisConnectionError, RedisTimeoutError):
                await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(code)

    async def websocket_connect(self, message):
        """Join the session's and the user's groups, then run connect().

        Channels joins `self.groups` before connect() and leaves them on disconnect.
        """
        self.user = self.scope["user"]
        # The group of what the socket was opened with: a program's token (accounts/tokens.py),
        # or the page's session. Ending either closes the socket.
        token = self.scope.get("auth")
        if token is not None:
            self.session_group = token_group_name(token.key)
        else:
            self.session_group = self.scope["session"].get(SESSION_GROUP)
        if self.user.is_authenticated and self.session_group:
            self.groups = [self.session_group, user_group_name(self.user.pk)]
        await super().websocket_connect(message)
        if self.user.is_authenticated and not self.session_group:
            # A session logged in before this code existed has no group: ask for a new login.
            await self.end()

    async def websocket_receive(self, message):
        """Pass a frame on to receive(), unless this consumer has closed its socket."""
        if not self.ended:
            await super().websocket_receive(message)

    async def close(self, code=None, reason=None):
        """Close the socket, then ignore the frames and events that race the close.

        Until Daphne says the socket is gone (websocket.disconnect), the client's frames still
        arrive, and so do group events: a room message, say. Daphne raises on a send to a
        socket it is closing, so those events are dropped here instead of sent.
        """
        self.ended = True
        await super().close(code=code, reason=reason)

    async def send_json(self, content, close=False):
        """Send a frame, unless this consumer has closed its socket (see close())."""
        if not self.ended:
            await super().send_json(content, close=close)

    async def session_ended(self, event):
        """The session (or token) this socket was opened with has ended: close with 4401."""
        await self.end()

    async def user_sessions_ended(self, event):
        """The user's sessions have ended (password change, deactivation), maybe but one."""
        if event["keep"] != self.session_group:
            await self.end()

    async def end(self):
        """Close with 4401: the session has ended."""
        await self.close(code=LOGGED_OUT)
