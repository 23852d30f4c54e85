"""The chat's per-user message limit, for messages posted over HTTP as well as over sockets."""

from asgiref.sync import async_to_sync
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.throttling import BaseThrottle

from chat import limits


class MessageRateThrottle(BaseThrottle):
    """Count each posted message against the user's budget (chat/limits.py); 429 above it.

    The same budget as the user's sockets and the inbox form, in Redis: a program posting
    through the API cannot flood a channel faster than a socket could.
    """

    seconds = None

    def allow_request(self, request, view):
        """Let a post through within the user's limit; anything else is not counted."""
        if view.action != "create":
            return True
        try:
            self.seconds = async_to_sync(limits.wait_before_sending)(request.user.pk)
        except (RedisConnectionError, RedisTimeoutError):
            return True  # saving needs no Redis: let it through uncounted, as the form does
        return not self.seconds

    def wait(self):
        """The seconds before one more message would be let through (DRF's Retry-After)."""
        return self.seconds
