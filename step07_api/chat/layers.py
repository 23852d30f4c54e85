"""channels_redis's two layers, each with a fix for what a lost Redis would leave behind."""

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisSingleShardConnection
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

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


class ForgettingPubSub(PubSub):
    """redis-py's PubSub, which does not subscribe a new connection to what it was leaving.

    When its connection is lost, redis-py subscribes the next one to every channel whose
    UNSUBSCRIBE Redis has not confirmed, including those it was unsubscribing from: a socket
    closed while Redis was away would leave a subscription nobody reads, until the process ends.
    """

    async def on_connect(self, connection):
        """Forget the channels whose UNSUBSCRIBE is unconfirmed, then subscribe to the rest."""
        for channel in self.pending_unsubscribe_channels:
            self.channels.pop(channel, None)
        await super().on_connect(connection)


class ForgettingShard(RedisSingleShardConnection):
    """The Pub/Sub layer's connection to one Redis, with a ForgettingPubSub."""

    def _ensure_redis(self):
        """Make the client and its PubSub on first use, as the library does."""
        if self._redis is None:
            super()._ensure_redis()
            self._pubsub = ForgettingPubSub(self._redis.connection_pool)

    async def unsubscribe(self, channel):
        """Unsubscribe from CHANNEL; if Redis is lost meanwhile, it is no longer ours anyway.

        The library would keep it in its own list, and never subscribe to it again: a socket
        that later joins the same group would hear nothing.
        """
        try:
            await super().unsubscribe(channel)
        except (RedisConnectionError, RedisTimeoutError):
            self._subscribed_to.discard(channel)
            raise


class ForgettingPubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis's Pub/Sub layer, whose shards are ForgettingShards."""

    def _get_layer(self):
        """The running event loop's layer, its shards replaced before their first use."""
        layer = super()._get_layer()
        if not isinstance(layer._shards[0], ForgettingShard):
            layer._shards = [ForgettingShard(shard.host, layer) for shard in layer._shards]
        return layer
