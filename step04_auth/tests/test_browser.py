"""The room page in headless Chromium, two people at once, each logged in as a demo user."""

import pytest

from tests.conftest import DEMO_PASSWORDS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def daphne(demo_daphne):
    """This module's server: a real Daphne whose database holds the demo users."""
    return demo_daphne


def open_room(page, daphne, room, username="ada"):
    """Open a room page, log in on the form it redirects to, and wait for the socket to open."""
    page.goto(f"{daphne.url}/chat/{room}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_selector("#status.open")


def say(page, message):
    """Type a message into the page, then press Enter."""
    page.fill("#message", message)
    page.press("#message", "Enter")


def test_typed_message_appears_in_the_other_page(daphne, page, other_page):
    """What ada types shows up in grace's page, signed with ada's account name."""
    open_room(page, daphne, "browsers", "ada")
    open_room(other_page, daphne, "browsers", "grace")
    say(page, "hello from Chromium")
    other_page.wait_for_selector("#log li.message")
    assert other_page.inner_text("#log li.message") == "ada: hello from Chromium"


def test_message_holding_html_shows_as_text(daphne, page, other_page):
    """A message holding HTML is shown as text in the other page and runs nothing."""
    open_room(page, daphne, "markup", "ada")
    open_room(other_page, daphne, "markup", "grace")
    say(page, "<img src=x onerror=\"document.title='pwned'\">")
    other_page.wait_for_selector("#log li.message")
    shown = (
        other_page.inner_text("#log li.message"),
        other_page.locator("#log img").count(),
        other_page.title(),
    )
    assert shown == ("ada: <img src=x onerror=\"document.title='pwned'\">", 0, "Room markup")


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


def test_logout_button_sits_in_the_account_line(daphne, page):
    """The logout form stays inside the account line (a <form> in a <p> would end the <p>)."""
    open_room(page, daphne, "layout")
    assert page.locator(".account #logout").count() == 1


def test_logout_button_lands_on_the_login_page(daphne, page):
    """The page's Log out button (a POST with the CSRF token) logs out and shows the login form."""
    open_room(page, daphne, "leaving")
    page.click("#logout")
    page.wait_for_url(f"{daphne.url}/accounts/login/")
    page.goto(f"{daphne.url}/chat/leaving/")
    assert page.url == f"{daphne.url}/accounts/login/?next=/chat/leaving/"


def test_logout_in_another_tab_leaves_the_open_room_sending(daphne, page):
    """After a logout in a second tab, the first tab's open socket still sends as ada."""
    open_room(page, daphne, "trap")
    second_tab = page.context.new_page()
    second_tab.goto(f"{daphne.url}/chat/trap/")
    second_tab.click("#logout")
    second_tab.wait_for_url(f"{daphne.url}/accounts/login/")
    say(page, "sent after logging out")
    page.wait_for_selector("#log li.message")
    assert page.inner_text("#log li.message") == "ada: sent after logging out"
