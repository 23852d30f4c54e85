"""The echo page in headless Chromium."""

import pytest

pytestmark = pytest.mark.browser


def test_page_connects_and_shows_the_echo(daphne, page):
    """The page opens its socket, sends what is typed, and shows the echo."""
    page.goto(daphne.url + "/")
    page.wait_for_selector("#status.open")
    page.fill("#message", "hello from Chromium")
    page.press("#message", "Enter")
    page.wait_for_selector("#log li.received")
    assert page.inner_text("#log li.received") == "hello from Chromium"


def test_page_shows_markup_as_text(daphne, page):
    """A message holding HTML is shown as text and runs nothing."""
    page.goto(daphne.url + "/")
    page.wait_for_selector("#status.open")
    page.fill("#message", "<img src=x onerror=\"document.title='pwned'\">")
    page.press("#message", "Enter")
    page.wait_for_selector("#log li.received")
    assert page.inner_text("#log li.received").startswith("<img")
    assert page.locator("#log img").count() == 0
    assert page.title() == "Echo"


def test_page_shows_when_the_connection_closes(daphne, page):
    """When the server goes away, the page says the socket is closed."""
    page.goto(daphne.url + "/")
    page.wait_for_selector("#status.open")
    page.evaluate("socket.close()")
    page.wait_for_selector("#status.closed")
    assert "Connection closed" in page.inner_text("#log")
