"""The room and inbox pages in headless Chromium, two people at once, logged in as demo users."""

import json

import pytest
from websockets.sync.client import connect

from tests.conftest import DEMO_PASSWORDS, log_in_over_http

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


# The inbox (this step): live delivery, history after a reload, and the form without JavaScript.

MARKUP = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
def no_js_page(browser):
    """A person whose browser runs no JavaScript: a page in its own context, closed after."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def ada_sends(daphne):
    """A function: ada sends a private message from a real WebSocket client, and it is saved."""
    cookie = log_in_over_http(daphne, "ada", DEMO_PASSWORDS["ada"])

    def send(to, message):
        with connect(
            f"{daphne.ws_url}/ws/inbox/", origin=daphne.url, additional_headers={"Cookie": cookie}
        ) as ws:
            ws.send(json.dumps({"to": to, "message": message}))
            return json.loads(ws.recv(timeout=5))

    return send


def open_inbox(page, daphne, username, live=True):
    """Open /inbox/, log in on the form it redirects to; with JavaScript, wait for the socket."""
    page.goto(f"{daphne.url}/inbox/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(f"{daphne.url}/inbox/")
    if live:
        page.wait_for_selector("#status.open")


def send_with_the_form(page, to, message):
    """Fill in the inbox page's form and press Send."""
    page.fill("#to", to)
    page.fill("#message", message)
    page.click("#send")


def shown(page, message):
    """The inbox log's list item that holds `message`, once it is there."""
    item = page.locator("#log li.private", has_text=message)
    item.wait_for()
    return item


def test_private_message_appears_live_on_the_recipients_page(daphne, page, ada_sends):
    """grace's open inbox page shows ada's message as it arrives, with who sent it to whom."""
    open_inbox(page, daphne, "grace")
    ada_sends("grace", "live to the page")
    assert shown(page, "live to the page").inner_text().endswith("ada → grace: live to the page")


def test_private_message_holding_html_shows_as_text(daphne, page, ada_sends):
    """A private message holding HTML arrives as text: no <img> element, no script run."""
    open_inbox(page, daphne, "grace")
    ada_sends("grace", MARKUP)
    text = shown(page, MARKUP).inner_text()
    assert (text.endswith(MARKUP), page.locator("#log img").count(), page.title()) == (
        True,
        0,
        "Inbox",
    )


def test_inbox_history_is_there_after_a_reload(daphne, page, ada_sends):
    """After a reload the message is on the page once, rendered by the server."""
    open_inbox(page, daphne, "grace")
    ada_sends("grace", "still here after reload")
    shown(page, "still here after reload")
    page.reload()
    page.wait_for_selector("#status.open")
    assert page.locator("#log li.private", has_text="still here after reload").count() == 1


def test_inbox_form_sends_to_the_other_users_page(daphne, page, other_page):
    """ada types into her inbox page's form; grace's page shows the message live."""
    open_inbox(page, daphne, "ada")
    open_inbox(other_page, daphne, "grace")
    send_with_the_form(page, "grace", "typed by ada")
    assert shown(other_page, "typed by ada").inner_text().endswith("ada → grace: typed by ada")


def test_senders_inbox_page_shows_her_message_once(daphne, page):
    """The sender's page shows what she sent once, although the socket sent it back to her."""
    open_inbox(page, daphne, "ada")
    send_with_the_form(page, "grace", "shown once")
    shown(page, "shown once")
    send_with_the_form(page, "grace", "a second message")  # by now, any duplicate is in too
    shown(page, "a second message")
    assert page.locator("#log li.private", has_text="shown once").count() == 1


def test_refused_private_message_is_shown_as_not_sent(daphne, page):
    """An error frame from the server is shown on the inbox page as "Not sent: <detail>"."""
    open_inbox(page, daphne, "ada")
    send_with_the_form(page, "nobody", "hello?")
    page.wait_for_selector("#log li.error")
    assert page.inner_text("#log li.error") == "Not sent: There is no user named 'nobody'."


def test_refused_private_message_gives_the_text_back(daphne, page):
    """After an error frame, the refused text is back in the message box, ready to fix."""
    open_inbox(page, daphne, "ada")
    send_with_the_form(page, "nobody", "worth keeping")
    page.wait_for_selector("#log li.error")
    assert page.input_value("#message") == "worth keeping"


def test_inbox_without_javascript_says_live_updates_are_off(daphne, no_js_page):
    """Without JavaScript nothing connects, and the status says so instead of "connecting"."""
    open_inbox(no_js_page, daphne, "ada", live=False)
    assert no_js_page.inner_text("#status") == "off"


def test_form_without_javascript_lands_back_on_the_inbox(daphne, no_js_page):
    """With JavaScript off the form posts; the browser lands on /inbox/ with the message listed."""
    open_inbox(no_js_page, daphne, "ada", live=False)
    send_with_the_form(no_js_page, "grace", "posted without JavaScript")
    no_js_page.wait_for_url(f"{daphne.url}/inbox/")
    assert shown(no_js_page, "posted without JavaScript").count() == 1


def test_form_without_javascript_reaches_the_recipient_live(daphne, page, no_js_page):
    """A message posted by a browser without JavaScript reaches grace's open page live."""
    open_inbox(page, daphne, "grace")
    open_inbox(no_js_page, daphne, "ada", live=False)
    send_with_the_form(no_js_page, "grace", "no script needed")
    assert shown(page, "no script needed").inner_text().endswith("ada → grace: no script needed")
