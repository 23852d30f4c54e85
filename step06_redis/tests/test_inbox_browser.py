"""The inbox page in headless Chromium: two people, live delivery, history, and no JavaScript."""

import json

import pytest
from websockets.sync.client import connect

from tests.conftest import DEMO_PASSWORDS, log_in_over_http

pytestmark = pytest.mark.browser

MARKUP = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
def new_page(browser):
    """Open pages, each in a context of its own (own cookies, JavaScript on or off)."""
    contexts = []

    def open_page(javascript=True):
        context = browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def open_inbox(page, server, username, live=True):
    """Log in through the login form, land on /inbox/ and, with JavaScript, wait for the socket."""
    page.goto(f"{server.url}/accounts/login/?next=/inbox/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/inbox/")
    if live:
        page.wait_for_selector("#status.open")


@pytest.fixture(scope="module")
def ada_sends(demo_daphne):
    """A function: ada sends a private message from a real WebSocket client, and it is saved."""
    cookie = log_in_over_http(demo_daphne, "ada", DEMO_PASSWORDS["ada"])

    def send(to, message):
        with connect(
            f"{demo_daphne.ws_url}/ws/inbox/",
            origin=demo_daphne.url,
            additional_headers={"Cookie": cookie},
        ) as ws:
            ws.send(json.dumps({"to": to, "message": message}))
            return json.loads(ws.recv(timeout=5))

    return send


def send_with_the_form(page, to, message):
    """Fill in the page's form and press Send."""
    page.fill("#to", to)
    page.fill("#message", message)
    page.click("#send")


def shown(page, message):
    """The list item of the log that holds `message`, once it is there."""
    item = page.locator("#log li.private", has_text=message)
    item.wait_for()
    return item


def test_message_appears_live_on_the_recipients_page(demo_daphne, page, ada_sends):
    """grace's open inbox page shows ada's message as it arrives, with who sent it to whom."""
    open_inbox(page, demo_daphne, "grace")
    ada_sends("grace", "live to the page")
    assert shown(page, "live to the page").inner_text().endswith("ada → grace: live to the page")


def test_message_holding_html_shows_as_text_and_runs_nothing(demo_daphne, page, ada_sends):
    """A message holding HTML arrives as text: no <img> element, no script run."""
    open_inbox(page, demo_daphne, "grace")
    ada_sends("grace", MARKUP)
    text = shown(page, MARKUP).inner_text()
    assert (text.endswith(MARKUP), page.locator("#log img").count(), page.title()) == (
        True,
        0,
        "Inbox",
    )


def test_history_is_there_after_a_reload(demo_daphne, page, ada_sends):
    """After a reload the message is on the page once, rendered by the server."""
    open_inbox(page, demo_daphne, "grace")
    ada_sends("grace", "still here after reload")
    shown(page, "still here after reload")
    page.reload()
    page.wait_for_selector("#status.open")
    assert page.locator("#log li.private", has_text="still here after reload").count() == 1


def test_form_ui_sends_to_the_other_users_page(demo_daphne, new_page):
    """ada types into her inbox page's form; grace's page shows the message live."""
    ada, grace = new_page(), new_page()
    open_inbox(ada, demo_daphne, "ada")
    open_inbox(grace, demo_daphne, "grace")
    send_with_the_form(ada, "grace", "typed by ada")
    assert shown(grace, "typed by ada").inner_text().endswith("ada → grace: typed by ada")


def test_senders_page_shows_her_message_once(demo_daphne, page):
    """The sender's page shows what she sent once, although the socket sent it back to her."""
    open_inbox(page, demo_daphne, "ada")
    send_with_the_form(page, "grace", "shown once")
    shown(page, "shown once")
    send_with_the_form(page, "grace", "a second message")  # by now, any duplicate is in too
    shown(page, "a second message")
    assert page.locator("#log li.private", has_text="shown once").count() == 1


def test_refused_message_is_shown_as_not_sent(demo_daphne, page):
    """An error frame from the server is shown as "Not sent: <detail>"."""
    open_inbox(page, demo_daphne, "ada")
    send_with_the_form(page, "nobody", "hello?")
    page.wait_for_selector("#log li.error")
    assert page.inner_text("#log li.error") == "Not sent: There is no user named 'nobody'."


def test_form_without_javascript_lands_back_on_the_inbox(demo_daphne, new_page):
    """With JavaScript off the form posts; the browser lands on /inbox/ with the message listed."""
    no_js_page = new_page(javascript=False)
    open_inbox(no_js_page, demo_daphne, "ada", live=False)
    send_with_the_form(no_js_page, "grace", "posted without JavaScript")
    no_js_page.wait_for_url(f"{demo_daphne.url}/inbox/")
    assert shown(no_js_page, "posted without JavaScript").count() == 1


def test_form_without_javascript_reaches_the_recipient_live(demo_daphne, page, new_page):
    """A message posted by a browser without JavaScript reaches grace's open page live."""
    no_js_page = new_page(javascript=False)
    open_inbox(page, demo_daphne, "grace")
    open_inbox(no_js_page, demo_daphne, "ada", live=False)
    send_with_the_form(no_js_page, "grace", "no script needed")
    assert shown(page, "no script needed").inner_text().endswith("ada → grace: no script needed")
