"""The pages on a phone and on a laptop: they fit, keep the newest message and the form in view."""

import json

import pytest
from playwright.sync_api import expect

from tests.helpers import DEMO_PASSWORDS, log_in_over_http, unavailable

pytestmark = pytest.mark.browser

SCREENS = {
    "phone": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1280, "height": 800}},
}
# Every page of this step, and who looks at it (None: nobody is logged in).
PAGES = {
    "room picker": ("/", "ada"),
    "room": ("/chat/lobby/", "ada"),
    "login": ("/accounts/login/", None),
    "signup": ("/accounts/signup/", None),
    "password change": ("/accounts/password_change/", "ada"),
}


@pytest.fixture(scope="module")
def daphne(demo_daphne):
    """This module's server: a real Daphne whose database holds the demo users."""
    return demo_daphne


@pytest.fixture(scope="module")
def cookies(daphne):
    """A function: the session cookie of a user, logged in once for the whole module."""
    sessions = {}

    def cookie(username):
        if username not in sessions:
            sessions[username] = log_in_over_http(daphne, username, DEMO_PASSWORDS[username])
        return sessions[username]

    return cookie


@pytest.fixture(params=list(SCREENS))
def screen(request, browser):
    """A page in a browser the size of a phone (375 px, mobile) or of a laptop (1280 px)."""
    context = browser.new_context(**SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def visit(page, daphne, cookies, path, username):
    """Open PATH logged in as USERNAME (None: nobody); on a live page, wait for its socket."""
    if username is not None:
        name, value = cookies(username).split("=", 1)
        page.context.add_cookies([{"name": name, "value": value, "url": daphne.url}])
    page.goto(daphne.url + path)
    if page.locator("#status").count():
        page.wait_for_selector("#status.open")


def receive(page, frames):
    """Hand FRAMES to the page's socket as if the server had sent them."""
    page.evaluate(
        """(frames) => {
            for (const frame of frames) {
                live.socket.dispatchEvent(new MessageEvent("message", { data: frame }));
            }
        }""",
        [json.dumps(frame) for frame in frames],
    )


def room_messages(count, username="grace"):
    """COUNT room frames from USERNAME."""
    return [
        {"type": "message", "username": username, "message": f"message {n} from {username}"}
        for n in range(count)
    ]


def serious_violations(page):
    """What axe-core finds on the page with an impact of serious or critical, one line each."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed: pip install axe-playwright-python")
    found = Axe().run(page).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}: {[n['target'] for n in rule['nodes']]}"
        for rule in found
        if rule["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_laid_out_at_the_screen_width(daphne, cookies, screen, name, tmp_path):
    """Each page is laid out as wide as the screen (a phone too), and nothing is wider."""
    visit(screen, daphne, cookies, *PAGES[name])
    screen.screenshot(path=tmp_path / f"{name.replace(' ', '-')}.png")
    assert screen.evaluate("innerWidth") == screen.viewport_size["width"]
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_long_word_wraps_inside_the_screen(daphne, cookies, screen, tmp_path):
    """A message of one 300-letter word wraps: the room page stays as wide as the screen."""
    visit(screen, daphne, cookies, "/chat/long-word/", "ada")
    receive(screen, [{"type": "message", "username": "grace", "message": "x" * 300}])
    screen.screenshot(path=tmp_path / "room.png")
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_room_keeps_the_newest_message_in_view(daphne, cookies, screen, tmp_path):
    """After 40 messages the newest is in view, and the send form still is."""
    visit(screen, daphne, cookies, "/chat/forty/", "ada")
    receive(screen, room_messages(40))
    screen.screenshot(path=tmp_path / "room.png")
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)
    expect(screen.locator("#send-form")).to_be_in_viewport(ratio=1)


def test_room_leaves_a_reader_who_scrolled_up_where_they_are(daphne, cookies, screen):
    """A reader who scrolled up to older messages is not pulled down by a new one."""
    visit(screen, daphne, cookies, "/chat/reading/", "ada")
    receive(screen, room_messages(40))
    screen.evaluate("document.getElementById('log').scrollTop = 0")
    receive(screen, room_messages(1, "alan"))
    expect(screen.locator("#log li").last).not_to_be_in_viewport()
    assert screen.evaluate("document.getElementById('log').scrollTop") == 0


def test_hint_leaves_the_newest_message_in_view(daphne, cookies, screen):
    """The hint about a blank message does not push the newest message out of view."""
    visit(screen, daphne, cookies, "/chat/hinted/", "ada")
    receive(screen, room_messages(40))
    screen.fill("#message", "   ")
    screen.press("#message", "Enter")
    expect(screen.locator("#message-hint")).not_to_be_empty()
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_input_has_a_label(daphne, cookies, page, name):
    """Every input on the page has a label (or an aria-label) that says what it is for."""
    visit(page, daphne, cookies, *PAGES[name])
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
            .filter((input) => ![...input.labels].some((label) => label.textContent.trim())
                && !input.getAttribute("aria-label"))
            .map((input) => input.id || input.name)"""
    )
    assert unlabelled == []


def test_own_room_messages_carry_the_own_class(daphne, cookies, page, other_page, tmp_path):
    """ada's message has the class "own" on her page, and not on grace's."""
    visit(page, daphne, cookies, "/chat/own/", "ada")
    visit(other_page, daphne, cookies, "/chat/own/", "grace")
    page.fill("#message", "said by ada")
    page.press("#message", "Enter")
    mine = page.locator("#log li.message", has_text="said by ada")
    theirs = other_page.locator("#log li.message", has_text="said by ada")
    expect(mine).to_have_class("message own")
    expect(theirs).to_have_class("message")
    page.screenshot(path=tmp_path / "ada.png")
    other_page.screenshot(path=tmp_path / "grace.png")


def test_blank_message_is_not_sent_and_the_page_says_why(daphne, cookies, page, tmp_path):
    """Send with only spaces typed sends nothing (no "Not sent" comes back) and shows a hint."""
    visit(page, daphne, cookies, "/chat/blank/", "ada")
    page.fill("#message", "   ")
    page.press("#message", "Enter")
    expect(page.locator("#message-hint")).not_to_be_empty()
    page.screenshot(path=tmp_path / "hint.png")
    page.fill("#message", "after the blank one")
    page.press("#message", "Enter")
    page.locator("#log li", has_text="after the blank one").wait_for()
    assert page.locator("#log li.error").count() == 0
    expect(page.locator("#message-hint")).to_be_empty()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(daphne, cookies, screen, name):
    """axe-core finds nothing serious or critical (contrast, names, scrollable regions...)."""
    visit(screen, daphne, cookies, *PAGES[name])
    if name == "room":
        receive(screen, room_messages(20) + room_messages(20, "ada"))
        receive(screen, [{"type": "error", "error": "x", "detail": "an error line"}])
    assert serious_violations(screen) == []
