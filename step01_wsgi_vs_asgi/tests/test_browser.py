"""The page in headless Chromium, served by Daphne."""

import pytest

pytestmark = pytest.mark.browser


def test_async_link_shows_the_async_answer(daphne, page):
    """Following the /async/ link shows the view's JSON answer."""
    page.goto(daphne.url + "/")
    page.click("#async-link")
    page.wait_for_url("**/async/?delay=1")
    assert '"view": "async"' in page.inner_text("body")


def test_bad_link_shows_the_sentence(daphne, page):
    """Following the bad-delay link shows the 400's sentence, not an error page."""
    page.goto(daphne.url + "/")
    page.click("#bad-link")
    page.wait_for_url("**/sync/?delay=abc")
    assert "delay must be a number of seconds from 0 to 5" in page.inner_text("body")


def test_page_loads_its_stylesheet(daphne, page):
    """The page's stylesheet loads, so the page renders as designed."""
    page.goto(daphne.url + "/")
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "640px"
