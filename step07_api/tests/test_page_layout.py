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
    "inbox": ("/inbox/", "ada"),
    "login": ("/accounts/login/", None),
    "signup": ("/accounts/signup/", None),
    "password change": ("/accounts/password_change/", "ada"),
    "topics": ("/topics/", "ada"),
    "channel": ("/topics/realtime-django/general/", "ada"),
}
HOPPER_PASSWORD = "hopper-layout-password"
SET_UP = """
from django.contrib.auth import get_user_model
from chat.models import PrivateMessage
users = get_user_model().objects
ada, grace = users.get(username="ada"), users.get(username="grace")
users.create_user("hopper", password={password!r})
PrivateMessage.objects.bulk_create(
    PrivateMessage(sender=(ada, grace)[n % 2], recipient=(grace, ada)[n % 2], body=f"history {{n}}")
    for n in range(60)
)
"""


@pytest.fixture(scope="module")
def daphne(demo_daphne):
    """This module's server: the demo users, 60 messages between ada and grace, and hopper."""
    demo_daphne.manage("shell", "-c", SET_UP.format(password=HOPPER_PASSWORD))
    return demo_daphne


@pytest.fixture(scope="module")
def cookies(daphne):
    """A function: the session cookie of a user, logged in once for the whole module."""
    passwords = {**DEMO_PASSWORDS, "hopper": HOPPER_PASSWORD}
    sessions = {}

    def cookie(username):
        if username not in sessions:
            sessions[username] = log_in_over_http(daphne, username, passwords[username])
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


def visit(page, daphne, cookies, path, username, live=True):
    """Open PATH logged in as USERNAME (None: nobody); on a live page, wait for its socket."""
    if username is not None:
        name, value = cookies(username).split("=", 1)
        page.context.add_cookies([{"name": name, "value": value, "url": daphne.url}])
    page.goto(daphne.url + path)
    if live and page.locator("#status").count():
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


def private_messages(count, start=100_000):
    """COUNT private frames from grace to ada, with ids from START on."""
    return [
        {
            "type": "private",
            "id": start + n,
            "from": "grace",
            "to": "ada",
            "message": f"private {n}",
            "sent_at": "2030-01-01T12:00:00+00:00",
        }
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


def test_inbox_opens_on_the_newest_message(daphne, cookies, screen, tmp_path):
    """The inbox, 50 messages long, opens scrolled to the newest one, the form in view."""
    visit(screen, daphne, cookies, "/inbox/", "ada")
    screen.screenshot(path=tmp_path / "inbox.png")
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)
    expect(screen.locator("#send-form")).to_be_in_viewport(ratio=1)


def test_inbox_keeps_the_newest_message_and_the_form_in_view(daphne, cookies, screen, tmp_path):
    """After 40 more messages arrive, the newest is in view and the send form has not moved."""
    visit(screen, daphne, cookies, "/inbox/", "ada")
    form_before = screen.locator("#send-form").bounding_box()
    receive(screen, private_messages(40))
    screen.screenshot(path=tmp_path / "inbox.png")
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)
    expect(screen.locator("#send-form")).to_be_in_viewport(ratio=1)
    assert screen.locator("#send-form").bounding_box() == form_before


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


def test_own_private_messages_carry_the_own_class(daphne, cookies, page, other_page, tmp_path):
    """A private message from ada has the class "own" on her inbox page, not on grace's."""
    visit(page, daphne, cookies, "/inbox/", "ada")
    visit(other_page, daphne, cookies, "/inbox/", "grace")
    page.fill("#to", "grace")
    page.fill("#message", "privately by ada")
    page.click("#send")
    mine = page.locator("#log li.private", has_text="privately by ada")
    theirs = other_page.locator("#log li.private", has_text="privately by ada")
    expect(mine).to_have_class("private own")
    expect(theirs).to_have_class("private")
    page.screenshot(path=tmp_path / "ada.png")
    other_page.screenshot(path=tmp_path / "grace.png")


def test_inbox_history_marks_own_messages(daphne, cookies, page):
    """In the history the server renders, exactly the messages ada sent have the class "own"."""
    visit(page, daphne, cookies, "/inbox/", "ada")
    items = page.locator("#log li.private").all()
    marked = [("own" in item.get_attribute("class").split()) for item in items]
    sent = ["ada → " in item.inner_text() for item in items]
    assert marked == sent
    assert any(sent)


@pytest.mark.parametrize("path", ["/chat/blank/", "/inbox/"])
def test_blank_message_is_not_sent_and_the_page_says_why(daphne, cookies, page, path, tmp_path):
    """Send with only spaces typed sends nothing (no "Not sent" comes back) and shows a hint."""
    visit(page, daphne, cookies, path, "ada")
    if path == "/inbox/":
        page.fill("#to", "grace")
    page.fill("#message", "   ")
    page.press("#message", "Enter")
    expect(page.locator("#message-hint")).not_to_be_empty()
    page.screenshot(path=tmp_path / "hint.png")
    page.fill("#message", "after the blank one")
    page.press("#message", "Enter")
    page.locator("#log li", has_text="after the blank one").wait_for()
    assert page.locator("#log li.error").count() == 0
    expect(page.locator("#message-hint")).to_be_empty()


def test_inbox_starts_in_the_to_field(daphne, cookies, page):
    """The inbox page opens with the "To" field focused, ready to type a name."""
    visit(page, daphne, cookies, "/inbox/", "ada")
    expect(page.locator("#to")).to_be_focused()


def test_inbox_starts_in_the_message_field_when_to_is_filled(daphne, cookies, no_js_page):
    """When the page comes back with "To" filled in (a refused post), the message is focused."""
    visit(no_js_page, daphne, cookies, "/inbox/", "ada", live=False)
    no_js_page.fill("#to", "nobody")
    no_js_page.fill("#message", "to no one")
    with no_js_page.expect_navigation():
        no_js_page.click("#send")
    expect(no_js_page.locator("#to")).to_have_value("nobody")
    expect(no_js_page.locator("#message")).to_be_focused()


def test_empty_inbox_is_not_a_numbered_item(daphne, cookies, page):
    """hopper, who has no messages, reads "No private messages yet." with no "1." before it."""
    visit(page, daphne, cookies, "/inbox/", "hopper")
    empty = page.locator("#log li.empty")
    expect(empty).to_have_text("No private messages yet.")
    assert empty.evaluate("(item) => getComputedStyle(item).listStyleType") == "none"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(daphne, cookies, screen, name):
    """axe-core finds nothing serious or critical (contrast, names, scrollable regions...)."""
    visit(screen, daphne, cookies, *PAGES[name])
    if name == "room":
        receive(screen, room_messages(20) + room_messages(20, "ada"))
        receive(screen, [{"type": "error", "error": "x", "detail": "an error line"}])
    assert serious_violations(screen) == []
