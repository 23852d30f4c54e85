"""Per-user message limits, counted in Redis so that they hold across sockets and processes."""

import asyncio
import math
import time
import weakref
from collections import deque

import redis.asyncio as redis
from django.conf import settings

# The user's key; `rate_key(pk)`. Built from the primary key only, never from user text.
KEY_PREFIX = "chat.rate."

# GCRA, the generic cell rate algorithm: a token bucket kept as one timestamp per user, the
# "theoretical arrival time" (TAT) at which the bucket would be full again. Each message moves
# it one interval (1/rate) later; a message that would move it further than the burst window
# (burst/rate) past now is refused, and changes nothing. The key expires when the TAT passes:
# by then the bucket is full, which is what a missing key means, so idle users leave nothing
# behind. Times are Redis's own clock in whole microseconds: every process agrees on it, and
# integer sums stay exact (ten steps of 0.1 s are not 1 s in floating point). One script is one
# atomic step, however many processes ask at once. It returns 0 (sent) or the microseconds to
# wait before one more message would be let through.
SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local next_tat = tat + interval
if next_tat - now > window then
    return next_tat - now - window
end
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil((next_tat - now) / 1000))
return 0
"""

# One Redis client per event loop: a redis.asyncio connection belongs to the loop it was made on
# (Daphne runs one loop per process; tests make one per test). Each with the address it is for.
_clients = weakref.WeakKeyDictionary()


def rate_key(user_id):
    """The Redis key that holds a user's rate, named from the primary key."""
    return f"{KEY_PREFIX}{int(user_id)}"


def _script():
    """The registered script on this loop's client, made on first use."""
    loop = asyncio.get_running_loop()
    # The channel layer's host entry (REDIS_URL): the same Redis, and the same bounds
    # (socket_timeout, max_connections, one retry), so a lost Redis fails here as in the layer.
    host = dict(settings.REDIS_HOST)
    address = host.pop("address")
    if loop not in _clients or _clients[loop][0] != address:
        client = redis.from_url(address, **host)
        _clients[loop] = (address, client.register_script(SCRIPT))
    return _clients[loop][1]


async def wait_before_sending(user_id):
    """0 if the user may send a message now (and it is counted), else the seconds to wait."""
    interval = round(1_000_000 / settings.CHAT_RATE_PER_SECOND)  # microseconds per message
    window = interval * settings.CHAT_RATE_BURST
    waited = await _script()(keys=[rate_key(user_id)], args=[interval, window])
    return waited / 1_000_000


def rate_limited(wait):
    """The error frame for a message over the limit, which goes nowhere."""
    wait = math.ceil(wait * 10) / 10  # in tenths, rounded up: never "try again in 0.0 s"
    detail = (
        f"Too many messages: at most {settings.CHAT_RATE_PER_SECOND} a second, in bursts of "
        f"{settings.CHAT_RATE_BURST}; this one was not sent, try again in {wait} s."
    )
    return {"type": "error", "error": "rate_limited", "detail": detail}


class Refusals:
    """One socket's refused messages: too many within a while, and the client is flooding."""

    def __init__(self):
        self.times = deque(maxlen=settings.CHAT_FLOOD_REFUSALS)

    def flooding(self):
        """Count one refusal; True when CHAT_FLOOD_REFUSALS fell within CHAT_FLOOD_SECONDS."""
        now = time.monotonic()
        self.times.append(now)
        full = len(self.times) == self.times.maxlen
        return full and now - self.times[0] <= settings.CHAT_FLOOD_SECONDS
