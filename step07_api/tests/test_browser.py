"""The room and inbox pages in headless Chromium, two people at once, logged in as demo users."""

import json
import re

import pytest
from websockets.sync.client import connect

from tests.helpers import DEMO_PASSWORDS, log_in_over_http

pytestmark = pytest.mark.browser

# Waits before a retry grow (up to 1 s, 2 s, 4 s, 8 s...) and a restart takes seconds: be patient.
RECONNECT_MS = 45_000


@pytest.fixture(scope="module")
def daphne(demo_daphne):
    """This module's server: a real Daphne whose database holds the demo users."""
    return demo_daphne


def log_in(page, username):
    """Fill in the login form the page shows, and submit it."""
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORDS[username])
    page.click("button[type=submit]")


def open_room(page, daphne, room, username="ada"):
    """Open a room page, log in on the form it redirects to, and wait for the socket to open."""
    page.goto(f"{daphne.url}/chat/{room}/")
    log_in(page, username)
    page.wait_for_selector("#status.open")


def say(page, message):
    """Type a message into the page, then press Enter."""
    page.fill("#message", message)
    page.press("#message", "Enter")


def said(page, message):
    """The room log's line holding `message`, as the server sent it to the room, once it is in."""
    line = page.locator("#log li.message", has_text=message)
    line.wait_for()
    return line.inner_text()


def log_out_in_another_tab(page, daphne):
    """Open a second tab in the page's browser (the same session) and press Log out there."""
    second_tab = page.context.new_page()
    second_tab.goto(f"{daphne.url}/")
    second_tab.click("#logout")
    second_tab.wait_for_url(f"{daphne.url}/accounts/login/")


def opens_a_socket_within(page, ms):
    """Whether the page opens a new WebSocket within `ms` milliseconds."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        with page.expect_websocket(timeout=ms):
            pass
    except PlaywrightTimeoutError:
        return False
    return True


def record_status(page):
    """From now on, keep every text that #status shows in the page's `statusSeen` list."""
    page.evaluate(
        """() => {
            window.statusSeen = [];
            const status = document.getElementById("status");
            new MutationObserver(() => statusSeen.push(status.textContent)).observe(
                status, { childList: true, characterData: true, subtree: true }
            );
        }"""
    )


def wait_until_open_again(page):
    """Wait until #status, recorded by record_status, has counted down and shows open again."""
    page.wait_for_function(
        "statusSeen.some((text) => text.startsWith('reconnecting'))"
        " && statusSeen.at(-1) === 'open'",
        timeout=RECONNECT_MS,
    )
    return page.evaluate("statusSeen")


@pytest.fixture(scope="module")
def schedule_page(browser, daphne):
    """The page whose retryDelay the schedule tests call (they change nothing in it)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    open_room(page, daphne, "schedule")
    yield page
    context.close()


def retry_delay(page, attempt, random):
    """The page's retryDelay(attempt, random) in ms, with `random` always returning `random`."""
    return page.evaluate(
        "([attempt, random]) => retryDelay(attempt, () => random)", [attempt, random]
    )


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
    assert other_page.inner_text("#log li.message") == (
        "ada: <img src=x onerror=\"document.title='pwned'\">"
    )
    assert other_page.locator("#log img").count() == 0
    assert other_page.title() == "Room markup"


def test_error_frame_is_shown_as_not_sent(daphne, page):
    """An error frame from the server is shown as "Not sent: <detail>"."""
    open_room(page, daphne, "refused")
    page.evaluate("live.socket.send('not json')")
    page.wait_for_selector("#log li.error")
    assert page.inner_text("#log li.error") == "Not sent: The frame is not valid JSON."


def test_send_button_is_disabled_while_reconnecting(daphne, page):
    """While the socket is down the Send button is disabled: nothing is sent into the void."""
    open_room(page, daphne, "button")
    page.evaluate(
        """() => {
            window.buttonSeen = [];
            const status = document.getElementById("status");
            const send = document.getElementById("send");
            new MutationObserver(() => buttonSeen.push([status.className, send.disabled])).observe(
                status, { childList: true, characterData: true, subtree: true }
            );
        }"""
    )
    page.evaluate("live.socket.close(4000)")
    page.wait_for_function("buttonSeen.length > 0 && buttonSeen.at(-1)[0] === 'open'")
    seen = page.evaluate("buttonSeen")
    assert [state for state, disabled in seen if not disabled] == ["open"]


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


# A logout in another tab: the server closes the session's sockets with 4401, "you may not".


def test_logout_in_another_tab_shows_logged_out_with_a_login_link(daphne, page):
    """After a logout in a second tab, the first tab says "logged out" and links to the login."""
    open_room(page, daphne, "trap")
    log_out_in_another_tab(page, daphne)
    page.wait_for_selector("#status.logged-out")
    assert page.inner_text("#status").startswith("logged out")
    assert page.is_visible("#login-again")
    assert page.get_attribute("#login-again", "href").startswith("/accounts/login/?next=")


def test_page_never_reconnects_after_logging_out(daphne, page):
    """After the 4401 close of a logout, the page opens no new socket and stays logged out."""
    open_room(page, daphne, "no-retry")
    log_out_in_another_tab(page, daphne)
    page.wait_for_selector("#status.logged-out")
    assert not opens_a_socket_within(page, 3_000)
    assert page.inner_text("#status").startswith("logged out")


def test_login_again_link_brings_the_room_back(daphne, page):
    """The "Log in again" link leads to the login form, and from there back to an open room."""
    open_room(page, daphne, "comeback")
    log_out_in_another_tab(page, daphne)
    page.click("#login-again")
    log_in(page, "ada")
    page.wait_for_url(f"{daphne.url}/chat/comeback/")
    page.wait_for_selector("#status.open")


# The backoff schedule: retryDelay(attempt, random) is a pure function, asked in the page.


def test_first_retry_comes_within_a_second(schedule_page):
    """The first retry waits less than 1 s, however the dice fall."""
    assert retry_delay(schedule_page, 0, 0.999999) < 1000


def test_retry_ceiling_doubles_with_each_attempt(schedule_page):
    """Each failed attempt doubles the longest wait (1 s, 2 s, 4 s...); random() 0.5 waits half."""
    delays = [retry_delay(schedule_page, attempt, 0.5) for attempt in range(5)]
    assert delays == [500, 1000, 2000, 4000, 8000]


def test_retry_wait_is_capped_at_30_seconds(schedule_page):
    """From the sixth attempt on the longest wait stays 30 s, even after thousands of attempts."""
    delays = [retry_delay(schedule_page, attempt, 0.5) for attempt in (5, 50, 5000)]
    assert delays == [15000, 15000, 15000]


def test_retry_wait_is_never_negative(schedule_page):
    """The shortest wait is 0 ms, never less: with random() at 0 the retry comes at once."""
    delays = [retry_delay(schedule_page, attempt, 0) for attempt in (0, 3, 50)]
    assert delays == [0, 0, 0]


def test_retry_wait_stays_under_its_ceiling(schedule_page):
    """With Math.random, 1000 waits for the fourth attempt all fall in [0 ms, 8 s)."""
    delays = schedule_page.evaluate("Array.from({ length: 1000 }, () => retryDelay(3))")
    assert all(0 <= delay < 8000 for delay in delays)


def test_retry_waits_spread_from_zero_to_the_ceiling(schedule_page):
    """Full jitter: 1000 waits for the fourth attempt reach both ends of [0 ms, 8 s)."""
    delays = schedule_page.evaluate("Array.from({ length: 1000 }, () => retryDelay(3))")
    assert min(delays) < 800
    assert max(delays) > 7200


# Reconnecting: after an unexpected close, and after a server restart.


def test_page_reconnects_after_an_unexpected_close(daphne, page):
    """The server drops the socket (a frame over 1 MiB); the page counts down, then reconnects."""
    open_room(page, daphne, "closing")
    record_status(page)
    page.evaluate("live.socket.send('x'.repeat(1024 * 1024 + 1))")
    seen = wait_until_open_again(page)
    assert any(re.fullmatch(r"reconnecting in \d+ s", text) for text in seen)
    assert "Disconnected (code 1006)." in page.inner_text("#log")


def test_page_works_again_after_reconnecting(daphne, page):
    """After the page has reconnected by itself, a message goes through again, without a reload."""
    open_room(page, daphne, "again")
    record_status(page)
    page.evaluate("live.socket.close(4000)")
    wait_until_open_again(page)
    say(page, "back again")
    assert said(page, "back again").endswith(": back again")


def test_page_reconnects_after_a_server_restart(daphne, page):
    """The server stops and starts again on the same port; the open page reconnects and chats."""
    open_room(page, daphne, "restart")
    record_status(page)
    daphne.stop()
    try:
        page.wait_for_selector("#status.reconnecting")
    finally:
        daphne.start()
    wait_until_open_again(page)
    say(page, "after the restart")
    assert said(page, "after the restart").endswith(": after the restart")


# The inbox (this step): live delivery, history after a reload, and the form without JavaScript.

MARKUP = "<img src=x onerror=\"document.title='pwned'\">"


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
    log_in(page, username)
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
    assert shown(page, MARKUP).inner_text().endswith(MARKUP)
    assert page.locator("#log img").count() == 0
    assert page.title() == "Inbox"


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


# The inbox's socket comes back too, and asks for what it missed (resume).


def test_inbox_reconnects_asking_for_what_came_after_its_newest_message(daphne, page, ada_sends):
    """Each new socket opens /ws/inbox/?after=<id>, the id of the newest message shown by then."""
    open_inbox(page, daphne, "grace")
    ada_sends("grace", "the newest one")
    newest = shown(page, "the newest one").get_attribute("data-id")
    with page.expect_websocket(timeout=RECONNECT_MS) as opened:
        page.evaluate("live.socket.close(4000)")
    assert opened.value.url == f"{daphne.ws_url}/ws/inbox/?after={newest}"


def test_inbox_shows_a_message_missed_while_away_once(daphne, page, ada_sends):
    """A message sent while grace's page had no socket appears once, last, when it reconnects."""
    open_inbox(page, daphne, "grace")
    ada_sends("grace", "before the gap")
    shown(page, "before the gap")
    page.context.set_offline(True)  # new sockets fail until the page is back online
    page.evaluate("live.socket.close(4000)")
    page.wait_for_selector("#status.reconnecting")
    ada_sends("grace", "missed while away")
    page.context.set_offline(False)
    page.wait_for_selector("#status.open", timeout=RECONNECT_MS)
    shown(page, "missed while away")
    assert page.locator("#log li.private", has_text="missed while away").count() == 1
    assert page.locator("#log li.private").last.inner_text().endswith("missed while away")


def resync(page):
    """Hand the inbox page's socket a {"type": "resync"} frame; return once the page navigated."""
    frame = json.dumps({"type": "resync"})
    with page.expect_navigation():
        page.evaluate(
            "(data) => live.socket.dispatchEvent(new MessageEvent('message', { data }))", frame
        )


def test_inbox_reloads_on_resync(daphne, page):
    """A {"type": "resync"} frame (more missed than the server replays) reloads the page."""
    open_inbox(page, daphne, "grace")
    resync(page)
    page.wait_for_selector("#status.open")


def test_inbox_resync_goes_to_the_latest_messages(daphne, page):
    """After a resync the page shows /inbox/, the latest messages, whichever page it was on."""
    open_inbox(page, daphne, "grace")
    resync(page)
    assert page.url == f"{daphne.url}/inbox/"


def test_older_messages_page_opens_no_socket(daphne, page):
    """A page of older messages (?before=) is an archive: no live socket, status "off"."""
    open_inbox(page, daphne, "grace")
    page.goto(f"{daphne.url}/inbox/?before=1")
    assert page.evaluate("live") is None
    assert page.inner_text("#status") == "off"


def test_inbox_form_posts_while_no_socket_is_open(daphne, page):
    """With the socket closing, Send posts the form to /inbox/send/; the message is listed."""
    open_inbox(page, daphne, "ada")
    page.fill("#to", "grace")
    page.fill("#message", "posted while the socket closes")
    with page.expect_request(f"{daphne.url}/inbox/send/") as posted:
        page.evaluate("live.socket.close(4000); document.getElementById('send').click()")
    assert posted.value.method == "POST"
    assert shown(page, "posted while the socket closes").count() == 1


def test_saved_but_not_delivered_is_news_and_keeps_the_box_empty(daphne, page):
    """A `not_delivered` error shows its detail as it is, and the text is not offered again."""
    open_inbox(page, daphne, "ada")
    page.evaluate("lastSent = 'already saved'")
    frame = {"type": "error", "error": "not_delivered", "detail": "Saved, but not delivered."}
    page.evaluate(
        "(frame) => live.socket.dispatchEvent(new MessageEvent('message', { data: frame }))",
        json.dumps(frame),
    )
    assert page.inner_text("#log li.error") == "Saved, but not delivered."
    assert page.input_value("#message") == ""
