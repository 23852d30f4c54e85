"""The echo page on a phone and on a laptop: it fits, keeps the newest line and the form in view."""

import pytest
from playwright.sync_api import expect

from tests.helpers import unavailable

pytestmark = pytest.mark.browser

SCREENS = {
    "phone": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1280, "height": 800}},
}


@pytest.fixture(params=list(SCREENS))
def screen(request, browser):
    """A page in a browser the size of a phone (375 px, mobile) or of a laptop (1280 px)."""
    context = browser.new_context(**SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def open_echo(page, daphne):
    """Open the echo page and wait until its socket is open."""
    page.goto(daphne.url + "/")
    page.wait_for_selector("#status.open")


def receive(page, texts):
    """Hand TEXTS to the page's socket as if the server had sent them."""
    page.evaluate(
        """(texts) => {
            for (const data of texts) {
                live.socket.dispatchEvent(new MessageEvent("message", { data }));
            }
        }""",
        texts,
    )


def echo(page, text):
    """Type TEXT, press Enter and wait for its echo."""
    page.fill("#message", text)
    page.press("#message", "Enter")
    page.locator("#log li.received", has_text=text).wait_for()


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


def test_page_is_laid_out_at_the_screen_width(daphne, screen, tmp_path):
    """The page is laid out as wide as the screen (a phone too), and nothing is wider."""
    open_echo(screen, daphne)
    screen.screenshot(path=tmp_path / "echo.png")
    assert screen.evaluate("innerWidth") == screen.viewport_size["width"]
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_long_word_wraps_inside_the_screen(daphne, screen, tmp_path):
    """An echo of one 300-letter word wraps: the page stays as wide as the screen."""
    open_echo(screen, daphne)
    receive(screen, ["x" * 300])
    screen.screenshot(path=tmp_path / "echo.png")
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_page_keeps_the_newest_line_in_view(daphne, screen, tmp_path):
    """After 40 lines the newest is in view, and the send form still is."""
    open_echo(screen, daphne)
    receive(screen, [f"line {n}" for n in range(40)])
    screen.screenshot(path=tmp_path / "echo.png")
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)
    expect(screen.locator("#send-form")).to_be_in_viewport(ratio=1)


def test_page_leaves_a_reader_who_scrolled_up_where_they_are(daphne, screen):
    """A reader who scrolled up to older lines is not pulled down by a new one."""
    open_echo(screen, daphne)
    receive(screen, [f"line {n}" for n in range(40)])
    screen.evaluate("document.getElementById('log').scrollTop = 0")
    receive(screen, ["one more"])
    expect(screen.locator("#log li").last).not_to_be_in_viewport()
    assert screen.evaluate("document.getElementById('log').scrollTop") == 0


def test_hint_leaves_the_newest_line_in_view(daphne, screen):
    """The hint about a blank message does not push the newest line out of view."""
    open_echo(screen, daphne)
    receive(screen, [f"line {n}" for n in range(40)])
    screen.fill("#message", "   ")
    screen.press("#message", "Enter")
    expect(screen.locator("#message-hint")).not_to_be_empty()
    expect(screen.locator("#log li").last).to_be_in_viewport(ratio=1)


def test_every_input_has_a_label(daphne, page):
    """Every input on the page has a label (or an aria-label) that says what it is for."""
    open_echo(page, daphne)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
            .filter((input) => ![...input.labels].some((label) => label.textContent.trim())
                && !input.getAttribute("aria-label"))
            .map((input) => input.id || input.name)"""
    )
    assert unlabelled == []


def test_sent_lines_carry_the_own_class(daphne, page, tmp_path):
    """The line the page sent has the class "own"; its echo, from the server, does not."""
    open_echo(page, daphne)
    echo(page, "mine")
    expect(page.locator("#log li", has_text="mine").first).to_have_class("sent own")
    expect(page.locator("#log li", has_text="mine").last).to_have_class("received")
    page.screenshot(path=tmp_path / "echo.png")


def test_blank_message_is_not_sent_and_the_page_says_why(daphne, page, tmp_path):
    """Send with only spaces typed sends nothing (no echo comes back) and shows a hint."""
    open_echo(page, daphne)
    page.fill("#message", "   ")
    page.press("#message", "Enter")
    expect(page.locator("#message-hint")).not_to_be_empty()
    page.screenshot(path=tmp_path / "echo.png")
    echo(page, "after the blank one")
    assert page.locator("#log li.received").all_inner_texts() == ["after the blank one"]
    expect(page.locator("#message-hint")).to_be_empty()


def test_page_has_no_serious_accessibility_violations(daphne, screen):
    """axe-core finds nothing serious or critical (contrast, names, scrollable regions...)."""
    open_echo(screen, daphne)
    echo(screen, "a line of my own")
    receive(screen, [f"line {n}" for n in range(40)])
    assert serious_violations(screen) == []
