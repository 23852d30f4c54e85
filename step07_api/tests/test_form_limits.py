"""The inbox's form, POST /inbox/send/, counts against the same per-user limit as the sockets."""

import pytest
from asgiref.sync import sync_to_async

from chat.models import PrivateMessage

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 20


@pytest.fixture(autouse=True)
def slow_refill(settings):
    """The default burst of 20, refilled at 1 message every 100 s (posts are slower than frames)."""
    settings.CHAT_RATE_PER_SECOND = 0.01
    settings.CHAT_RATE_BURST = BURST


def post(login, message):
    """Send a private message to bob through the inbox's form; the response."""
    return login.client.post("/inbox/send/", {"to": "bob", "message": message})


def test_form_burst_of_20_is_saved(logged_in):
    """20 form posts at once are all saved and redirect to the inbox."""
    statuses = [post(logged_in["alice"], str(number)).status_code for number in range(BURST)]
    assert statuses == [302] * BURST
    assert PrivateMessage.objects.count() == BURST


def test_form_post_over_the_limit_gets_429_with_a_sentence(logged_in):
    """The 21st post gets the inbox page with status 429 and the rate_limited sentence."""
    for number in range(BURST):
        post(logged_in["alice"], str(number))
    response = post(logged_in["alice"], "one too many")
    assert response.status_code == 429
    assert "Too many messages: at most" in response.content.decode()


def test_form_post_over_the_limit_is_not_saved(logged_in):
    """Nothing of a refused post is saved."""
    for number in range(BURST):
        post(logged_in["alice"], str(number))
    post(logged_in["alice"], "one too many")
    assert not PrivateMessage.objects.filter(body="one too many").exists()


async def test_form_and_socket_share_one_budget(logged_in, connect):
    """After 20 form posts, alice's next frame on a socket is rate_limited."""
    for number in range(BURST):
        await sync_to_async(post)(logged_in["alice"], str(number))
    socket, connected = await connect("/ws/chat/limits/", headers=logged_in["alice"].headers)
    assert connected, "the room socket was refused"
    await socket.send_json_to({"message": "one too many"})
    frame = await socket.receive_json_from(timeout=5)
    assert frame["error"] == "rate_limited"


def test_form_posts_of_another_user_are_not_limited_by_alices(logged_in):
    """bob's first post is saved although alice has spent her burst."""
    for number in range(BURST):
        post(logged_in["alice"], str(number))
    response = logged_in["bob"].client.post("/inbox/send/", {"to": "alice", "message": "hi"})
    assert response.status_code == 302
