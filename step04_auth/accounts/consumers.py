"""A consumer for logged-in users: its socket closes, with 4401, when its session ends."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.sessions import LOGGED_OUT, SESSION_GROUP, user_group_name


class LoggedInConsumer(AsyncJsonWebsocketConsumer):
    """Join the session's and the user's groups; close the socket when either says it ended.

    Subclasses refuse anonymous handshakes in `connect()`; `self.user` is `scope["user"]`.
    """

    ended = False  # True once this consumer has closed its socket: see close()

    async def __call__(self, scope, receive, send):
        """Run the consumer; if it raises, clean up as a closed socket would, then raise again.

        Channels leaves `self.groups` and runs disconnect() in websocket_disconnect, when the
        socket closes; a handler that raises ends the consumer before that, and its channel
        would stay in its groups, a member nobody reads. The error still reaches Daphne, which
        logs its traceback and closes the socket with 1011: a bug stays loud.
        """
        try:
            await super().__call__(scope, receive, send)
        except Exception:
            await self.clean_up(1011)  # the code Daphne closes the socket with
            raise

    async def clean_up(self, code):
        """Leave each group in `self.groups`, then run disconnect(): websocket_disconnect's work."""
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(code)

    async def websocket_connect(self, message):
        """Join the session's and the user's groups, then run connect().

        Channels joins `self.groups` before connect() and leaves them on disconnect.
        """
        self.user = self.scope["user"]
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
        """The session this socket was opened with has ended (a logout): close with 4401."""
        await self.end()

    async def user_sessions_ended(self, event):
        """The user's sessions have ended (password change, deactivation), maybe but one."""
        if event["keep"] != self.session_group:
            await self.end()

    async def end(self):
        """Close with 4401: the session has ended."""
        await self.close(code=LOGGED_OUT)
