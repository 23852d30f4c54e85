"""Losing Redis under a running server, on each layer: 4503 for the sockets, one warning each.

One scenario per layer, run once for the module when a test first asks for it, with a
redis-server and a server of its own (so the rest of the suite keeps its Redis): ada opens two
sockets in a room and two on her inbox; Redis stops; she sends a room message on one room
socket and a private message to grace on one inbox socket, and tries a new handshake; Redis
starts again on the same port (empty); two new sockets in the room chat, and grace's inbox
resumes from the start. Each test checks one thing a scenario recorded.
"""

import contextlib
import json
import re
import shutil
import time
from dataclasses import dataclass

import pytest
import redis
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.helpers import (
    DEMO_PASSWORDS,
    close_code,
    frames_and_close_code,
    live_socket,
    log_in_over_http,
    server_on_its_own_redis,
    unavailable,
)

pytestmark = pytest.mark.live

LAYERS = {"core": None, "pubsub": "pubsub"}  # CHANNEL_LAYER for each
ROOM = "/ws/chat/outage/"
INBOX = "/ws/inbox/"
PATHS = [ROOM, INBOX]  # of the sockets that send nothing
PRIVATE = "saved while Redis was down"


@dataclass
class Loss:
    """What ada's clients saw while Redis was away and after, and what the server logged."""

    idle_close_codes: dict  # core layer: how each socket that sent nothing ended, by path
    sender_frames: list  # what the room socket that sent a message while Redis was down got
    sender_close_code: object  # and how it ended
    private_sender_frames: list  # what the inbox socket that sent a private message got
    private_sender_close_code: object  # and how it ended
    handshake_while_down: str  # what a new handshake got while Redis was down
    after_restart: list  # what two new sockets in the room received once Redis was back
    replayed_to_grace: list  # the private messages grace's inbox got on resuming, Redis back
    ended: list  # the path of each socket closed with 4503 and of the refused handshake, sorted
    subscribed_after: list  # the channels Redis still had subscribers for, every socket closed
    warned: list  # the path each WARNING line of the log names, sorted
    log: str  # everything the server printed


def send_while_down(ws, frame):
    """Send a frame; what came back, and how the server ended the socket (maybe unread)."""
    with contextlib.suppress(ConnectionClosed):
        ws.send(json.dumps(frame))
    return frames_and_close_code(ws)


def try_handshake(server, cookie):
    """Open a socket in the room and close it again; what the server answered, as text."""
    try:
        with live_socket(server, ROOM, cookie):
            return "accepted"
    except InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"


def resume(server, cookie):
    """Open an inbox socket with ?after=0 and close it again; the messages of what it replayed."""
    with live_socket(server, f"{INBOX}?after=0", cookie) as ws:
        replayed = []
        with contextlib.suppress(TimeoutError):
            while True:
                replayed.append(json.loads(ws.recv(timeout=1))["message"])
        return replayed


def chat(server, cookie):
    """Two new sockets in the room: one says something; what each of them received."""
    with live_socket(server, ROOM, cookie) as one, live_socket(server, ROOM, cookie) as other:
        one.send(json.dumps({"message": "back again"}))
        return [json.loads(ws.recv(timeout=5))["message"] for ws in (one, other)]


def subscriptions_left(url, seconds=5):
    """The channels Redis still has subscribers for, once none are left or SECONDS have passed."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + seconds
    while (channels := sorted(client.pubsub_channels())) and time.monotonic() < deadline:
        time.sleep(0.1)
    client.close()
    return [channel.decode() for channel in channels]


def lose_redis(tmp_path, layer):
    """Run the scenario on one layer; what it recorded."""
    with server_on_its_own_redis(tmp_path, LAYERS[layer]) as (server, redis_server):
        cookie = log_in_over_http(server, "ada", DEMO_PASSWORDS["ada"])
        grace = log_in_over_http(server, "grace", DEMO_PASSWORDS["grace"])
        with contextlib.ExitStack() as stack:
            sender = stack.enter_context(live_socket(server, ROOM, cookie))
            private_sender = stack.enter_context(live_socket(server, INBOX, cookie))
            idle = {path: stack.enter_context(live_socket(server, path, cookie)) for path in PATHS}
            redis_server.stop()
            sender_frames, sender_close_code = send_while_down(
                sender, {"message": "is anyone there?"}
            )
            private_sender_frames, private_sender_close_code = send_while_down(
                private_sender, {"to": "grace", "message": PRIVATE}
            )
            idle_close_codes = {}
            # The Pub/Sub layer's receive() waits through an outage: its idle sockets stay open.
            if layer == "core":
                idle_close_codes = {path: close_code(ws) for path, ws in idle.items()}
            handshake_while_down = try_handshake(server, cookie)
            redis_server.start()
            after_restart = chat(server, cookie)
            replayed_to_grace = resume(server, grace)
        subscribed_after = subscriptions_left(redis_server.url)  # every socket closed
        log = server.log()
    closed = [(ROOM, sender_close_code), (INBOX, private_sender_close_code)]
    closed += idle_close_codes.items()
    ended = [path for path, code in closed if code == 4503]
    if handshake_while_down != "accepted":
        ended.append(ROOM)
    return Loss(
        idle_close_codes=idle_close_codes,
        sender_frames=sender_frames,
        sender_close_code=sender_close_code,
        private_sender_frames=private_sender_frames,
        private_sender_close_code=private_sender_close_code,
        handshake_while_down=handshake_while_down,
        after_restart=after_restart,
        replayed_to_grace=replayed_to_grace,
        ended=sorted(ended),
        subscribed_after=subscribed_after,
        warned=sorted(re.findall(r"^WARNING .*? (/ws/\S+):", log, flags=re.MULTILINE)),
        log=log,
    )


@pytest.fixture(scope="module")
def losses(tmp_path_factory):
    """A function: the scenario's record for a layer, run the first time a test asks for it."""
    if not shutil.which("redis-server"):
        unavailable("Stopping and restarting Redis needs redis-server on PATH (see REDIS_HELP)")
    recorded = {}

    def loss(layer):
        if layer not in recorded:
            recorded[layer] = lose_redis(tmp_path_factory.mktemp(f"loss-{layer}"), layer)
        return recorded[layer]

    return loss


def test_idle_sockets_are_closed_with_4503_on_the_core_layer(losses):
    """On the core layer, every open socket is closed with 4503 as soon as Redis stops."""
    assert losses("core").idle_close_codes == {path: 4503 for path in PATHS}


@pytest.mark.parametrize("layer", LAYERS)
def test_socket_that_sends_while_redis_is_down_is_closed_with_4503(losses, layer):
    """A socket that sends a room message while Redis is down is closed with 4503."""
    assert losses(layer).sender_close_code == 4503


def test_room_message_sent_while_redis_is_down_gets_not_sent_on_pubsub(losses):
    """On Pub/Sub the sender hears that its room message was not sent, then 4503 closes it.

    (On the core layer the socket was closed the moment Redis stopped, before it could send:
    test_redis_frozen.py has the core layer's sender, open while Redis does not answer.)
    """
    assert [frame["error"] for frame in losses("pubsub").sender_frames] == ["not_sent"]


def test_private_message_sent_while_redis_is_down_is_shown_to_its_sender(losses):
    """On Pub/Sub the sender's socket gets the saved message, then "not delivered live"."""
    frames = losses("pubsub").private_sender_frames
    assert [frame["type"] for frame in frames] == ["private", "error"]
    assert frames[0]["message"] == PRIVATE
    assert frames[1]["error"] == "not_delivered"


def test_private_sender_is_closed_with_4503_after_being_told(losses):
    """Then its socket is closed with 4503, as every socket that loses Redis is."""
    assert losses("pubsub").private_sender_close_code == 4503


def test_private_message_sent_while_redis_is_down_reaches_the_recipient_on_resume(losses):
    """Saved, it is there for grace once Redis is back: her inbox resumes with it, once."""
    assert losses("pubsub").replayed_to_grace.count(PRIVATE) == 1


@pytest.mark.parametrize("layer", LAYERS)
def test_handshake_while_redis_is_down_gets_http_403(losses, layer):
    """A new socket cannot join its groups while Redis is down: its handshake is refused."""
    assert losses(layer).handshake_while_down == "HTTP 403"


@pytest.mark.parametrize("layer", LAYERS)
def test_losing_redis_leaves_no_traceback_in_the_log(losses, layer):
    """The outage shows in the server's log without a single traceback."""
    assert "Traceback" not in losses(layer).log


@pytest.mark.parametrize("layer", LAYERS)
def test_one_warning_line_for_each_socket_closed(losses, layer):
    """Each socket closed for the outage, and the refused handshake, has one WARNING line."""
    loss = losses(layer)
    assert loss.warned == loss.ended


def test_sockets_closed_while_redis_was_down_leave_no_subscription_on_pubsub(losses):
    """Once Redis is back and every socket has closed, it has no subscriber left on Pub/Sub.

    redis-py subscribes again, on a new connection, to whatever it failed to unsubscribe
    from; chat.layers.ForgettingShard forgets those channels instead.
    """
    assert losses("pubsub").subscribed_after == []


@pytest.mark.parametrize("layer", LAYERS)
def test_new_sockets_chat_again_once_redis_is_back(losses, layer):
    """Once Redis is back, two new sockets in the room exchange a message at the first try."""
    assert losses(layer).after_restart == ["back again", "back again"]
