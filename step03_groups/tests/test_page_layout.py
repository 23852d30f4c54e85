"""The pages on a phone and on a laptop: they fit, keep the newest message and the form in view."""

import json

import pytest
from playwright.sync_api import expect

from tests.helpers import unavailable

pytestmark = pytest.mark.browser

SCREENS = {
    "phone": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1280, "height": 800}},
}
# Every page of this step.
PAGES = {"room picker": "/", "room": "/chat/lobby/"}


@pytest.fixture(params=list(SCREENS))
def screen(request, browser):
    """A page in a browser the size of a phone (375 px, mobile) or of a laptop (1280 px)."""
    context = browser.new_context(**SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def visit(page, daphne, path):
    """Open PATH on the server; on a live page, wait for its socket."""
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
def test_page_is_laid_out_at_the_screen_width(daphne, screen, name, tmp_path):
    """Each page is laid out as wide as the screen (a phone too), and nothing is wider."""
    visit(screen, daphne, PAGES[name])
    screen.screenshot(path=tmp_path / f"{name.replace(' ', '-')}.png")
    assert screen.evaluate("innerWidth") == screen.viewport_size["width"]
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_long_word_wraps_inside_the_screen(daphne, screen, tmp_path):
    """A message of one 300-letter word wraps: the room page stays as wide as the screen."""
    visit(screen, daphne, "/chat/long-word/")
    receive(screen, [{"type": "message", "username": "grace", "message": "x" * 300}])
    screen.screenshot(path=tmp_path / "room.png")
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_room_keeps_the_newest_message_in_view(daphne, screen, tmp_path):
    """After 40 messages the newest is in view, and the send form still is."""
    visit(screen, daphne, "/chat/forty/")
    receive(screen, room_messages(40))
    screen.screenshot(path=tmp_path / "room.png")
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)
    expect(screen.locator("#send-form")).to_be_in_viewport(ratio=1)


def test_room_leaves_a_reader_who_scrolled_up_where_they_are(daphne, screen):
    """A reader who scrolled up to older messages is not pulled down by a new one."""
    visit(screen, daphne, "/chat/reading/")
    receive(screen, room_messages(40))
    screen.evaluate("document.getElementById('log').scrollTop = 0")
    receive(screen, room_messages(1, "alan"))
    expect(screen.locator("#log li").last).not_to_be_in_viewport()
    assert screen.evaluate("document.getElementById('log').scrollTop") == 0


def test_hint_leaves_the_newest_message_in_view(daphne, screen):
    """The hint about a blank message does not push the newest message out of view."""
    visit(screen, daphne, "/chat/hinted/")
    receive(screen, room_messages(40))
    screen.fill("#message", "   ")
    screen.press("#message", "Enter")
    expect(screen.locator("#message-hint")).not_to_be_empty()
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_input_has_a_label(daphne, page, name):
    """Every input on the page has a label (or an aria-label) that says what it is for."""
    visit(page, daphne, PAGES[name])
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
            .filter((input) => ![...input.labels].some((label) => label.textContent.trim())
                && !input.getAttribute("aria-label"))
            .map((input) => input.id || input.name)"""
    )
    assert unlabelled == []


def test_own_room_messages_carry_the_own_class(daphne, page, other_page, tmp_path):
    """ada's message has the class "own" on her page (nickname ada), and not on grace's."""
    visit(page, daphne, "/chat/own/")
    visit(other_page, daphne, "/chat/own/")
    page.fill("#username", "ada")
    other_page.fill("#username", "grace")
    page.fill("#message", "said by ada")
    page.press("#message", "Enter")
    mine = page.locator("#log li.message", has_text="said by ada")
    theirs = other_page.locator("#log li.message", has_text="said by ada")
    expect(mine).to_have_class("message own")
    expect(theirs).to_have_class("message")
    page.screenshot(path=tmp_path / "ada.png")
    other_page.screenshot(path=tmp_path / "grace.png")


def test_blank_message_is_not_sent_and_the_page_says_why(daphne, page, tmp_path):
    """Send with only spaces typed sends nothing (no "Not sent" comes back) and shows a hint."""
    visit(page, daphne, "/chat/blank/")
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
def test_page_has_no_serious_accessibility_violations(daphne, screen, name):
    """axe-core finds nothing serious or critical (contrast, names, scrollable regions...)."""
    visit(screen, daphne, PAGES[name])
    if name == "room":
        screen.fill("#username", "ada")  # ada's own messages look different: check them too
        receive(screen, room_messages(20) + room_messages(20, "ada"))
        receive(screen, [{"type": "error", "error": "x", "detail": "an error line"}])
    assert serious_violations(screen) == []
