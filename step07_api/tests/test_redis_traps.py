"""Traps in the library defaults (redis-py 8, channels_redis 4) and in Python 3.11, and this
step's way out of each."""

import asyncio
import sys

import pytest
import redis
from channels_redis.core import RedisChannelLayer
from channels_redis.utils import create_pool
from redis.asyncio import Connection, SSLConnection, UnixDomainSocketConnection

from chat.layers import LostCancellation, WaitingRedisChannelLayer
from tests.helpers import layers_for

AT_ONCE = 300  # group_sends in flight together: three times redis-py's default pool


def host_of(config):
    """The one Redis host of a layer CONFIG."""
    (host,) = config["hosts"]
    return host


async def group_sends_at_once(layer):
    """AT_ONCE group_sends started together; what each one returned or raised."""
    event = {"type": "chat.message", "message": "hi"}
    sends = [layer.group_send("chat.room.pool", event) for _ in range(AT_ONCE)]
    return await asyncio.gather(*sends, return_exceptions=True)


@pytest.fixture
def step_host(redis_url):
    """The Redis host entry of this step's settings, on the tests' Redis."""
    return host_of(layers_for(redis_url)["default"]["CONFIG"])


async def test_default_read_timeout_fails_an_idle_receive(redis_url):
    """With redis-py's default 5 s read timeout, waiting on an idle channel raises TimeoutError."""
    layer = RedisChannelLayer(hosts=[redis_url])
    channel = await layer.new_channel()
    try:
        # The layer blocks in Redis for up to 5 s per wait (BZPOPMIN); redis-py gives up first.
        with pytest.raises(redis.exceptions.TimeoutError):
            await asyncio.wait_for(layer.receive(channel), timeout=15)
    finally:
        await layer.close_pools()


@pytest.mark.no_redis
def test_step_settings_read_timeout_outlasts_the_layers_5_s_wait():
    """The pool built from the step's host entry waits 10 s for a reply: longer than the 5 s pop."""
    host = host_of(layers_for("redis://127.0.0.1:6379/0")["default"]["CONFIG"])
    assert create_pool(host).connection_kwargs["socket_timeout"] == 10


async def test_default_pool_refuses_commands_beyond_100(redis_url):
    """300 group_sends at once on redis-py's default pool: 200 raise "Too many connections"."""
    layer = RedisChannelLayer(hosts=[redis_url])
    try:
        results = await group_sends_at_once(layer)
    finally:
        await layer.close_pools()
    refused = [result for result in results if isinstance(result, redis.MaxConnectionsError)]
    assert len(refused) == AT_ONCE - 100


async def test_step_pool_carries_300_commands_at_once(step_host):
    """The same 300 group_sends through this step's layer and host entry all succeed."""
    layer = WaitingRedisChannelLayer(hosts=[step_host])
    try:
        results = await group_sends_at_once(layer)
    finally:
        await layer.close_pools()
    assert results == [None] * AT_ONCE


async def test_step_layer_makes_commands_wait_for_a_free_connection(step_host):
    """With only 10 connections, 300 group_sends at once still all succeed: each waits its turn."""
    layer = WaitingRedisChannelLayer(hosts=[{**step_host, "max_connections": 10}])
    try:
        results = await group_sends_at_once(layer)
    finally:
        await layer.close_pools()
    assert results == [None] * AT_ONCE


async def test_default_read_timeout_fails_idle_receives_one_at_a_time(redis_url):
    """Three idle receives on one default layer: after 7.5 s one has failed, two still wait.

    Only the receive holding the layer's lock runs the 5 s pop and loses the race; the next one
    takes the lock and starts a pop of its own. So a quiet process loses its sockets one by one.
    """
    layer = RedisChannelLayer(hosts=[redis_url])
    channels = [await layer.new_channel() for _ in range(3)]
    receives = [asyncio.ensure_future(layer.receive(channel)) for channel in channels]
    try:
        await asyncio.sleep(7.5)
        failed = [receive for receive in receives if receive.done()]
        assert len(failed) == 1
        assert isinstance(failed[0].exception(), redis.exceptions.TimeoutError)
    finally:
        for receive in receives:
            receive.cancel()
        await asyncio.gather(*receives, return_exceptions=True)
        await layer.close_pools()


# A cancellation that Python 3.11 loses (chat/layers.py, ReceivingConnection).


async def cancellation_lost_as_wait_for_finishes():
    """Whether a task, cancelled while its asyncio.wait_for() finishes, goes on regardless."""

    async def send():
        await asyncio.sleep(0)  # a write, done in one turn of the loop

    async def command():
        await asyncio.wait_for(send(), timeout=10)  # as redis-py sends every command

    task = asyncio.ensure_future(command())
    for _ in range(2):  # the send has finished; wait_for() has not yet woken up
        await asyncio.sleep(0)
    running = not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return running and not task.cancelled()


async def receive_after_losing_its_cancellation(layer):
    """A receive() in a task whose cancellation was lost: its task says it was cancelled."""
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        pass  # lost, as asyncio.wait_for() loses it on Python 3.11
    return await layer.receive(await layer.new_channel())


async def still_receiving_after(layer, seconds):
    """Cancel a receive whose cancellation is then lost; whether it is still running SECONDS on."""
    task = asyncio.ensure_future(receive_after_losing_its_cancellation(layer))
    await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=seconds)
    task.cancel()  # a second cancellation, which nothing loses, ends it for the test
    await asyncio.gather(task, return_exceptions=True)
    await layer.close_pools()
    return not done


@pytest.mark.no_redis
async def test_wait_for_loses_a_cancellation_on_python_3_11():
    """Cancelled as its wait_for() finishes, a task goes on, on 3.11 (CPython issue 86296)."""
    assert await cancellation_lost_as_wait_for_finishes() == (sys.version_info < (3, 12))


async def test_library_receive_goes_on_after_its_cancellation_was_lost(step_host):
    """The library's receive, its cancellation lost, is still waiting for messages 2 s later."""
    assert await still_receiving_after(RedisChannelLayer(hosts=[step_host]), 2)


async def test_step_receive_ends_after_its_cancellation_was_lost(step_host):
    """The step's receive, its cancellation lost, ends at its next command to Redis."""
    assert not await still_receiving_after(WaitingRedisChannelLayer(hosts=[step_host]), 2)


@pytest.mark.no_redis
@pytest.mark.parametrize(
    "address, kind",
    [
        ("redis://127.0.0.1:6379/0", Connection),
        ("rediss://redis.example.com:6380/0", SSLConnection),
        ("unix:///run/redis/redis.sock", UnixDomainSocketConnection),
    ],
    ids=["redis", "rediss-tls", "unix"],
)
def test_step_pool_keeps_the_kind_of_connection_its_address_names(address, kind):
    """The step's pool connects as redis-py would (TLS for rediss://), with the fix added."""
    pool = WaitingRedisChannelLayer(hosts=[{"address": address}]).create_pool(0)
    assert issubclass(pool.connection_class, kind)
    assert issubclass(pool.connection_class, LostCancellation)
