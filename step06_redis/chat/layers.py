"""channels_redis's two layers, each with a fix for what a lost Redis would leave behind, and
the core layer's receive made to end when it is cancelled."""

import asyncio
import contextvars

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisSingleShardConnection
from redis.asyncio import (
    BlockingConnectionPool,
    Connection,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# How long a command waits for a free connection before it fails (as a lost Redis does).
POOL_TIMEOUT = 10


# Whether the running task is a receive() of the core layer (see LostCancellation).
receiving = contextvars.ContextVar("receiving", default=False)


class LostCancellation:
    """Mixed into redis-py's connections: gives a receive back the cancellation its send lost.

    On Python 3.11, asyncio.wait_for() loses a cancellation that arrives just as what it waits
    for has finished (CPython issue 86296, fixed in 3.12), and redis-py sends every command
    through it. Channels cancels a consumer's receive() when its socket closes, then waits for
    it: a receive whose send lost the cancellation waits for the answer (a blocking pop: up to
    5 s), then pops the process's messages for the other consumers, in a loop, until Daphne
    cancels the consumer 10 s after the close, with a warning. Its task still says it was
    cancelled (`cancelling()`), so it is cancelled here, after the send.
    """

    async def send_packed_command(self, command, check_health=True):
        """Send a command; if this is a receive that was cancelled meanwhile, raise that."""
        await super().send_packed_command(command, check_health)
        if receiving.get() and asyncio.current_task().cancelling():
            # As redis-py does when a read is cancelled: the unread answer would otherwise be
            # read by the next command sent on this connection.
            await self.disconnect(nowait=True)
            raise asyncio.CancelledError


class ReceivingConnection(LostCancellation, Connection):
    """A connection to a redis:// address."""


class ReceivingSSLConnection(LostCancellation, SSLConnection):
    """A connection to a rediss:// address (TLS)."""


class ReceivingUnixConnection(LostCancellation, UnixDomainSocketConnection):
    """A connection to a unix:// address."""


# The class redis-py picks for each kind of address, and the same with LostCancellation.
RECEIVING = {
    Connection: ReceivingConnection,
    SSLConnection: ReceivingSSLConnection,
    UnixDomainSocketConnection: ReceivingUnixConnection,
}


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
        pool = BlockingConnectionPool.from_url(host.pop("address"), timeout=POOL_TIMEOUT, **host)
        # Not from_url(connection_class=...): that would replace the TLS of a rediss:// address.
        pool.connection_class = RECEIVING.get(pool.connection_class, pool.connection_class)
        return pool

    async def receive(self, channel):
        """The library's receive(), its commands marked as a receive's (LostCancellation)."""
        token = receiving.set(True)
        try:
            return await super().receive(channel)
        finally:
            receiving.reset(token)


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


def seen(task):
    """Mark a finished task's error as retrieved: asyncio logs one that nobody retrieved."""
    if not task.cancelled():
        task.exception()


class ForgettingShard(RedisSingleShardConnection):
    """The Pub/Sub layer's connection to one Redis, with a ForgettingPubSub."""

    def _ensure_redis(self):
        """Make the client and its PubSub on first use, as the library does."""
        if self._redis is None:
            super()._ensure_redis()
            self._pubsub = ForgettingPubSub(self._redis.connection_pool)

    async def unsubscribe(self, channel):
        """Unsubscribe from CHANNEL, to the end even if the caller is cancelled meanwhile.

        The layer's receive() unsubscribes when it is cancelled (its socket closed), and waits
        behind every other closing socket for the shard's lock. A server stopping then cancels
        it again: the library would log that second cancellation with a traceback ("Unexpected
        exception while cleaning-up channel") and leave the channel subscribed. Here the
        unsubscribe goes on by itself; a caller that was being cancelled already returns
        quietly (receive() re-raises its own cancellation next), any other gets its cancellation.
        """
        already_cancelled = asyncio.current_task().cancelling()
        unsubscribing = asyncio.ensure_future(self.unsubscribe_or_forget(channel))
        unsubscribing.add_done_callback(seen)  # its caller may stop waiting for it
        try:
            await asyncio.shield(unsubscribing)
        except asyncio.CancelledError:
            if not already_cancelled:
                raise

    async def unsubscribe_or_forget(self, channel):
        """The library's unsubscribe; if Redis is lost meanwhile, the channel is no longer ours.

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
