"""Per-user message limits (chat/limits.py): through config.asgi.application, and live.

The tests keep the burst of 20 but refill it at 1 message a second instead of 10: at 10 a second
a slow machine refills a message while it handles the 20, and the 21st would pass. The
defaults themselves are checked in test_default_limits_are_10_a_second_in_bursts_of_20.
"""

import json

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError

from chat.limits import rate_key
from tests.helpers import (
    DEMO_PASSWORDS,
    live_socket,
    log_in_over_http,
    settings_under,
    two_servers_sharing,
)

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 20
FLOODING = {"type": "websocket.close", "code": 4429}
REDIS_LOST = {"type": "websocket.close", "code": 4503}


@pytest.fixture(autouse=True)
def slow_refill(settings):
    """The default burst of 20, refilled at 1 message a second (see the module's docstring)."""
    settings.CHAT_RATE_PER_SECOND = 1
    settings.CHAT_RATE_BURST = BURST


@pytest.fixture
def join(connect, logged_in):
    """Open a socket in a room (or the inbox) as alice, bob or carol; it must be accepted."""

    async def open_socket(username, path="/ws/chat/limits/"):
        socket, connected = await connect(path, headers=logged_in[username].headers)
        assert connected
        return socket

    return open_socket


async def send_burst(socket, count=BURST):
    """Send COUNT room messages at once; the frames that come back to the sender."""
    for number in range(count):
        await socket.send_json_to({"message": str(number)})
    return [await socket.receive_json_from(timeout=5) for _ in range(count)]


async def test_burst_of_20_passes(join):
    """20 messages sent at once all reach the room."""
    alice = await join("alice")
    frames = await send_burst(alice)
    assert [frame["message"] for frame in frames] == [str(number) for number in range(BURST)]


async def test_21st_message_is_rate_limited(join):
    """The 21st message of a burst gets the rate_limited error frame."""
    alice = await join("alice")
    await send_burst(alice)
    await alice.send_json_to({"message": "one too many"})
    frame = await alice.receive_json_from(timeout=5)
    assert frame["type"] == "error"
    assert frame["error"] == "rate_limited"


async def test_rate_limited_detail_is_a_sentence(join):
    """The error frame has exactly type, error and detail, and the detail is a sentence."""
    alice = await join("alice")
    await send_burst(alice)
    await alice.send_json_to({"message": "one too many"})
    frame = await alice.receive_json_from(timeout=5)
    assert set(frame) == {"type", "error", "detail"}
    assert frame["detail"].startswith("Too many messages")
    assert frame["detail"].endswith(".")


async def test_rate_limited_message_reaches_no_one(join):
    """bob, in the room, gets alice's 20 messages and not the 21st."""
    alice = await join("alice")
    bob = await join("bob")
    await send_burst(alice)
    await alice.send_json_to({"message": "one too many"})
    await alice.receive_json_from(timeout=5)
    received = [(await bob.receive_json_from(timeout=5))["message"] for _ in range(BURST)]
    assert received == [str(number) for number in range(BURST)]
    assert await bob.receive_nothing(timeout=0.3)


async def test_sending_works_again_after_a_wait(join):
    """Refused, then a second later (one message's refill), the next message goes through."""
    alice = await join("alice")
    await send_burst(alice)
    await alice.send_json_to({"message": "too soon"})
    await alice.receive_json_from(timeout=5)
    assert await alice.receive_nothing(timeout=1.1)
    await alice.send_json_to({"message": "later"})
    assert await alice.receive_json_from(timeout=5) == {
        "type": "message",
        "room": "limits",
        "username": "alice",
        "message": "later",
    }


async def test_two_sockets_of_one_user_share_the_limit(join):
    """alice's burst on one socket leaves nothing for her second socket."""
    first = await join("alice")
    second = await join("alice", "/ws/chat/elsewhere/")
    await send_burst(first)
    await second.send_json_to({"message": "from the other tab"})
    assert (await second.receive_json_from(timeout=5))["error"] == "rate_limited"


async def test_room_and_inbox_share_the_limit(join):
    """A burst in a room leaves nothing for a private message of the same user."""
    room = await join("alice")
    inbox = await join("alice", "/ws/inbox/")
    await send_burst(room)
    await inbox.send_json_to({"to": "bob", "message": "hi"})
    assert (await inbox.receive_json_from(timeout=5))["error"] == "rate_limited"


async def test_another_user_is_not_affected(join):
    """bob's message goes through while alice is over her limit."""
    alice = await join("alice")
    bob = await join("bob", "/ws/chat/other/")
    await send_burst(alice)
    await alice.send_json_to({"message": "one too many"})
    await alice.receive_json_from(timeout=5)
    await bob.send_json_to({"message": "mine"})
    assert (await bob.receive_json_from(timeout=5))["message"] == "mine"


async def test_flooding_client_is_closed_with_4429(join):
    """A client that keeps sending over its limit is closed with 4429 after 50 refusals."""
    alice = await join("alice")
    for number in range(200):
        await alice.send_json_to({"message": str(number)})
    output = await alice.receive_output(timeout=5)
    refused = 0
    while output["type"] == "websocket.send":
        refused += json.loads(output["text"]).get("error") == "rate_limited"
        output = await alice.receive_output(timeout=5)
    assert output == FLOODING
    assert refused == 50


async def test_a_few_refusals_do_not_close_the_socket(join):
    """Five refused messages get five error frames, and the socket stays open."""
    alice = await join("alice")
    await send_burst(alice, BURST + 5)
    assert await alice.receive_nothing(timeout=0.3)


async def test_inbox_is_limited(join):
    """The 21st private message of a burst gets the rate_limited error frame."""
    alice = await join("alice", "/ws/inbox/")
    for number in range(BURST + 1):
        await alice.send_json_to({"to": "bob", "message": str(number)})
    frames = [await alice.receive_json_from(timeout=5) for _ in range(BURST + 1)]
    # The error comes straight back, the saved ones through Redis: it may come first.
    errors = [frame for frame in frames if frame["type"] == "error"]
    assert [frame["error"] for frame in errors] == ["rate_limited"]


async def test_refused_private_message_is_not_saved(join):
    """Of 21 private messages sent at once, 20 are saved, and bob's inbox gets those 20."""
    from chat.models import PrivateMessage

    alice = await join("alice", "/ws/inbox/")
    bob = await join("bob", "/ws/inbox/")
    for number in range(BURST + 1):
        await alice.send_json_to({"to": "bob", "message": str(number)})
    for _ in range(BURST + 1):
        await alice.receive_json_from(timeout=5)
    received = [(await bob.receive_json_from(timeout=5))["message"] for _ in range(BURST)]
    assert received == [str(number) for number in range(BURST)]
    assert await bob.receive_nothing(timeout=0.3)
    assert await PrivateMessage.objects.acount() == BURST


async def test_idle_key_expires(join, logged_in, redis_url):
    """After one message, the user's key in Redis expires within one refill (1 s here)."""
    alice = await join("alice")
    await send_burst(alice, 1)
    client = redis.Redis.from_url(redis_url)
    try:
        expires_in = client.pttl(rate_key(logged_in["alice"].user.pk))
    finally:
        client.close()
    assert 0 < expires_in <= 1000


async def test_redis_lost_while_counting_closes_with_4503(join, monkeypatch):
    """If Redis fails while a room message is counted, the sender gets not_sent, then 4503."""

    async def unreachable(user_id):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("chat.limits.wait_before_sending", unreachable)
    alice = await join("alice")
    await alice.send_json_to({"message": "hi"})
    assert (await alice.receive_json_from(timeout=5))["error"] == "not_sent"
    assert await alice.receive_output(timeout=5) == REDIS_LOST


async def test_private_message_that_cannot_be_counted_is_still_sent(join, monkeypatch):
    """If Redis fails while a private message is counted, it is saved and sent, as the form's."""

    async def unreachable(user_id):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("chat.limits.wait_before_sending", unreachable)
    alice = await join("alice", "/ws/inbox/")
    await alice.send_json_to({"to": "bob", "message": "hi"})
    assert (await alice.receive_json_from(timeout=5))["type"] == "private"


@pytest.mark.no_redis
def test_default_limits_are_10_a_second_in_bursts_of_20():
    """Without the environment variables: 10 a second, bursts of 20, closed at 50 in 10 s."""
    found = settings_under(
        CHAT_RATE_PER_SECOND=None,
        CHAT_RATE_BURST=None,
        CHAT_FLOOD_REFUSALS=None,
        CHAT_FLOOD_SECONDS=None,
    )
    limits = [found[name] for name in ("CHAT_RATE_PER_SECOND", "CHAT_RATE_BURST")]
    flood = [found[name] for name in ("CHAT_FLOOD_REFUSALS", "CHAT_FLOOD_SECONDS")]
    assert limits == [10, 20]
    assert flood == [50, 10]


@pytest.mark.no_redis
def test_limits_come_from_the_environment():
    """CHAT_RATE_PER_SECOND and the others set the limits, as the live tests set them."""
    found = settings_under(
        CHAT_RATE_PER_SECOND="100",
        CHAT_RATE_BURST="300",
        CHAT_FLOOD_REFUSALS="5",
        CHAT_FLOOD_SECONDS="2",
    )
    names = ["CHAT_RATE_PER_SECOND", "CHAT_RATE_BURST", "CHAT_FLOOD_REFUSALS", "CHAT_FLOOD_SECONDS"]
    assert [found[name] for name in names] == [100, 300, 5, 2]


# Live: two server processes with the step's burst (refilled at 1 a second, as above).


@pytest.fixture(scope="module")
def limited_servers(tmp_path_factory, redis_url):
    """Two Daphnes on the tests' Redis and one database, with the limits on, and the demo users."""
    tmp_path = tmp_path_factory.mktemp("limited-servers")
    limits = {"CHAT_RATE_PER_SECOND": "1", "CHAT_RATE_BURST": str(BURST)}
    with two_servers_sharing(tmp_path, **limits) as servers:
        yield servers


@pytest.mark.live
def test_one_user_on_two_processes_shares_one_budget(limited_servers):
    """ada's burst through process A leaves nothing for her socket on process B."""
    a, b = limited_servers
    cookie = log_in_over_http(a, "ada", DEMO_PASSWORDS["ada"])
    with (
        live_socket(a, "/ws/chat/shared/", cookie) as on_a,
        live_socket(b, "/ws/chat/other/", cookie) as on_b,
    ):
        for number in range(BURST):
            on_a.send(json.dumps({"message": str(number)}))
        sent = [json.loads(on_a.recv(timeout=5))["type"] for _ in range(BURST)]
        on_b.send(json.dumps({"message": "from B"}))
        refused = json.loads(on_b.recv(timeout=5))
    assert sent == ["message"] * BURST
    assert refused["error"] == "rate_limited"
