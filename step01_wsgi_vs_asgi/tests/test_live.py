"""A real Daphne serving the project: requests overlap, and the server itself counts them."""

import pytest

from tests.helpers import get_at_once, http_get

pytestmark = pytest.mark.live

AT_ONCE = 5


def test_daphne_overlaps_async_requests(daphne):
    """Requests to the async view are in flight together: the server counts more than one."""
    answers = get_at_once(f"{daphne.url}/async/?delay=1", AT_ONCE)
    assert max(answer["in_flight"] for answer in answers) > 1


def test_daphne_runs_every_async_request_on_one_thread(daphne):
    """The async view runs on the event loop's thread, one thread for all requests."""
    answers = get_at_once(f"{daphne.url}/async/?delay=0.5", AT_ONCE)
    assert len({answer["thread"] for answer in answers}) == 1


def test_daphne_overlaps_sync_requests(daphne):
    """Requests to the sync view are in flight together too: they do not wait in line."""
    answers = get_at_once(f"{daphne.url}/sync/?delay=1", AT_ONCE)
    assert max(answer["in_flight"] for answer in answers) > 1


def test_daphne_gives_each_sync_request_its_own_thread(daphne):
    """Django runs each sync request in a thread of its own: as many threads as requests."""
    answers = get_at_once(f"{daphne.url}/sync/?delay=0.5", AT_ONCE)
    assert len({answer["thread"] for answer in answers}) == AT_ONCE


def test_bad_delay_gets_a_400_over_http(daphne):
    """Over a real connection, a bad delay is answered 400 with the JSON sentence."""
    status, _, body = http_get(f"{daphne.url}/async/?delay=nan")
    assert status == 400
    assert body == b'{"error": "delay must be a number of seconds from 0 to 5, such as 2.5."}'


def test_bad_delays_leave_no_traceback_in_the_log(daphne):
    """Rejected delays are logged as bad requests, never as a traceback."""
    for raw in ("-1", "6", "abc", "inf"):
        http_get(f"{daphne.url}/sync/?delay={raw}")
    assert "Traceback" not in daphne.log()


def test_daphne_serves_the_page_stylesheet(daphne):
    """With DEBUG on, config/asgi.py serves static files, so plain Daphne serves the page whole."""
    status, _, _ = http_get(f"{daphne.url}/static/chat/style.css")
    assert status == 200
