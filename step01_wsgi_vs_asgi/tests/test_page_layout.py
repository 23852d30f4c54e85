"""The page on a phone and on a laptop: it fits the screen and reads well to everyone."""

import pytest

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
    screen.goto(daphne.url + "/")
    screen.screenshot(path=tmp_path / "index.png")
    assert screen.evaluate("innerWidth") == screen.viewport_size["width"]
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_page_has_no_serious_accessibility_violations(daphne, screen):
    """axe-core finds nothing serious or critical (contrast, names, structure...)."""
    screen.goto(daphne.url + "/")
    assert serious_violations(screen) == []
