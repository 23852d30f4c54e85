"""The room page in headless Chromium, two people at once."""

import pytest

pytestmark = pytest.mark.browser


def open_room(page, daphne, room):
    """Open a room page and wait until its socket is open."""
    page.goto(f"{daphne.url}/chat/{room}/")
    page.wait_for_selector("#status.open")


def say(page, message, nickname=""):
    """Type a nickname and a message into the page, then press Enter."""
    page.fill("#username", nickname)
    page.fill("#message", message)
    page.press("#message", "Enter")


def test_typed_message_appears_in_the_other_page(daphne, page, other_page):
    """What one person types, with a nickname, shows up in the other person's page."""
    open_room(page, daphne, "browsers")
    open_room(other_page, daphne, "browsers")
    say(page, "hello from Chromium", nickname="ada")
    other_page.wait_for_selector("#log li.message")
    assert other_page.inner_text("#log li.message") == "ada: hello from Chromium"


def test_message_holding_html_shows_as_text(daphne, page, other_page):
    """A message holding HTML is shown as text in the other page and runs nothing."""
    open_room(page, daphne, "markup")
    open_room(other_page, daphne, "markup")
    say(page, "<img src=x onerror=\"document.title='pwned'\">", nickname="mallory")
    other_page.wait_for_selector("#log li.message")
    shown = (
        other_page.inner_text("#log li.message"),
        other_page.locator("#log img").count(),
        other_page.title(),
    )
    assert shown == ("mallory: <img src=x onerror=\"document.title='pwned'\">", 0, "Room markup")


def test_page_shows_disconnected_when_the_server_drops_the_socket(daphne, page):
    """A frame over Daphne's 1 MiB limit makes the server drop the socket; the page says so."""
    open_room(page, daphne, "closing")
    page.evaluate("socket.send('x'.repeat(1024 * 1024 + 1))")
    page.wait_for_selector("#status.disconnected")
    assert "Disconnected (code 1006). Reload the page to reconnect." in page.inner_text("#log")


def test_error_frame_is_shown_as_not_sent(daphne, page):
    """An error frame from the server is shown as "Not sent: <detail>"."""
    open_room(page, daphne, "refused")
    page.evaluate("socket.send('not json')")
    page.wait_for_selector("#log li.error")
    assert page.inner_text("#log li.error") == "Not sent: The frame is not valid JSON."


def test_send_button_is_disabled_once_disconnected(daphne, page):
    """With the socket closed, the Send button is disabled: nothing can be sent into the void."""
    open_room(page, daphne, "button")
    page.evaluate("socket.close()")
    page.wait_for_selector("#status.disconnected")
    assert page.is_disabled("#send")
