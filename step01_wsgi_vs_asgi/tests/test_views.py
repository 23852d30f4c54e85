"""The page, and the two slow views: what they accept, what they wait, what they answer."""

import asyncio
import logging
import time

import pytest

GOOD_DELAYS = [("0", 0.0), ("2.5", 2.5), ("5", 5.0), ("0.25", 0.25)]
# Negative, too long, not a number, not finite, empty, exponent, non-ASCII digit, too precise.
BAD_DELAYS = ["-1", "6", "5.01", "abc", "nan", "inf", "", "1e0", "٣", " 1", "1" + "0" * 20]
VIEWS = ["sync", "async"]


@pytest.fixture
def waits(monkeypatch):
    """Record the seconds each view asks to wait, instead of waiting them."""
    asked = []
    real_asyncio_sleep = asyncio.sleep

    def sleep(seconds):
        asked.append(seconds)

    async def async_sleep(seconds):
        asked.append(seconds)
        await real_asyncio_sleep(0)

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    return asked


def test_index_links_to_both_views(client):
    """GET / explains the two endpoints and links to each."""
    response = client.get("/")
    assert b'href="/sync/?delay=1"' in response.content
    assert b'href="/async/?delay=1"' in response.content


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("raw, seconds", GOOD_DELAYS)
def test_view_waits_the_delay_it_is_given(client, waits, view, raw, seconds):
    """A delay from 0 to 5, whole or not, is waited exactly once."""
    client.get(f"/{view}/", {"delay": raw})
    assert waits == [seconds]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("raw, seconds", GOOD_DELAYS)
def test_view_answers_which_view_and_delay(client, waits, view, raw, seconds):
    """The JSON answer names the view and the delay as a number."""
    data = client.get(f"/{view}/", {"delay": raw}).json()
    assert data["view"] == view
    assert data["delay"] == seconds


@pytest.mark.parametrize("view", VIEWS)
def test_view_answers_the_thread_that_ran_it(client, waits, view):
    """The answer names a thread, so that a client can count the threads a server uses."""
    thread = client.get(f"/{view}/", {"delay": "0"}).json()["thread"]
    assert isinstance(thread, str) and thread


@pytest.mark.parametrize("view", VIEWS)
def test_a_lone_request_is_the_only_one_in_flight(client, waits, view):
    """With nothing else running, the answer counts one request in flight: itself."""
    assert client.get(f"/{view}/", {"delay": "0"}).json()["in_flight"] == 1


@pytest.mark.parametrize("view", VIEWS)
def test_missing_delay_waits_one_second(client, waits, view):
    """Without ?delay= the view waits 1 second, the documented default."""
    client.get(f"/{view}/")
    assert waits == [1.0]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("raw", BAD_DELAYS)
def test_bad_delay_is_a_400(client, waits, view, raw):
    """Anything but a number from 0 to 5 is answered 400."""
    assert client.get(f"/{view}/", {"delay": raw}).status_code == 400


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("raw", BAD_DELAYS)
def test_bad_delay_answer_says_why_in_a_sentence(client, waits, view, raw):
    """The 400 is JSON whose `error` says what a good delay looks like."""
    data = client.get(f"/{view}/", {"delay": raw}).json()
    assert data == {"error": "delay must be a number of seconds from 0 to 5, such as 2.5."}


@pytest.mark.parametrize("view", VIEWS)
def test_bad_delay_waits_nothing(client, waits, view):
    """A rejected request answers at once."""
    client.get(f"/{view}/", {"delay": "abc"})
    assert waits == []


async def test_async_view_answers_through_the_async_handler(async_client, waits):
    """Through Django's async request handler (as under ASGI) the async view answers too."""
    response = await async_client.get("/async/", {"delay": "0"})
    assert response.json()["view"] == "async"


def test_a_foreign_host_gets_a_400_and_logs_no_traceback(client):
    """A request whose Host is not in ALLOWED_HOSTS gets 400, and no traceback in the log."""
    # Daphne's console handler sits on the root logger: record what reaches it.
    reaching_the_console = []
    handler = logging.Handler()
    handler.emit = reaching_the_console.append
    logging.getLogger().addHandler(handler)
    try:
        response = client.get("/", HTTP_HOST="evil.example")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 400
    tracebacks = [record.getMessage() for record in reaching_the_console if record.exc_info]
    assert tracebacks == []
