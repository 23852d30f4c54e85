"""The core Redis layer, with a pool where a command waits for a free connection."""

from channels_redis.core import RedisChannelLayer
from redis.asyncio import BlockingConnectionPool

# How long a command waits for a free connection before it fails (as a lost Redis does).
POOL_TIMEOUT = 10


class WaitingRedisChannelLayer(RedisChannelLayer):
    """channels_redis's core layer, whose commands wait for a connection instead of failing.

    The library's pool fails a command that finds all its connections busy, with
    MaxConnectionsError ("Too many connections"): when 2,000 sockets close at once, most of
    their group_discard calls fail, and the groups keep their channels for a day. Here the
    command waits its turn, for at most POOL_TIMEOUT seconds.
    """

    def create_pool(self, index):
        """A blocking pool for the host at INDEX, built from the same host entry."""
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(host.pop("address"), timeout=POOL_TIMEOUT, **host)
