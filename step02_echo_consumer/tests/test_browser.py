"""The echo page in headless Chromium: the echo, and a socket that comes back by itself."""

import re

import pytest

pytestmark = pytest.mark.browser

# Waits before a retry grow (up to 1 s, 2 s, 4 s, 8 s...) and a restart takes seconds: be patient.
RECONNECT_MS = 45_000


def open_echo(page, daphne):
    """Open the echo page and wait until its socket is open."""
    page.goto(daphne.url + "/")
    page.wait_for_selector("#status.open")


def echo(page, text):
    """Send `text` from the page; return the log line of its echo, once it is there."""
    page.fill("#message", text)
    page.press("#message", "Enter")
    received = page.locator("#log li.received", has_text=text)
    received.wait_for()
    return received.inner_text()


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
    open_echo(page, daphne)
    yield page
    context.close()


def retry_delay(page, attempt, random):
    """The page's retryDelay(attempt, random) in ms, with `random` always returning `random`."""
    return page.evaluate(
        "([attempt, random]) => retryDelay(attempt, () => random)", [attempt, random]
    )


def test_page_connects_and_shows_the_echo(daphne, page):
    """The page opens its socket, sends what is typed, and shows the echo."""
    open_echo(page, daphne)
    page.fill("#message", "hello from Chromium")
    page.press("#message", "Enter")
    page.wait_for_selector("#log li.received")
    assert page.inner_text("#log li.received") == "hello from Chromium"


def test_page_shows_markup_as_text(daphne, page):
    """A message holding HTML is shown as text and runs nothing."""
    open_echo(page, daphne)
    page.fill("#message", "<img src=x onerror=\"document.title='pwned'\">")
    page.press("#message", "Enter")
    page.wait_for_selector("#log li.received")
    assert page.inner_text("#log li.received").startswith("<img")
    assert page.locator("#log img").count() == 0
    assert page.title() == "Echo"


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
    open_echo(page, daphne)
    record_status(page)
    page.evaluate("live.socket.send('x'.repeat(1024 * 1024 + 1))")
    seen = wait_until_open_again(page)
    assert any(re.fullmatch(r"reconnecting in \d+ s", text) for text in seen)
    assert "Disconnected (code 1006)." in page.inner_text("#log")


def test_page_works_again_after_reconnecting(daphne, page):
    """After the page has reconnected by itself, what is typed is echoed again, without a reload."""
    open_echo(page, daphne)
    record_status(page)
    page.evaluate("live.socket.close(4000)")
    wait_until_open_again(page)
    assert echo(page, "back again") == "back again"


def test_page_reconnects_after_a_server_restart(daphne, page):
    """The server stops and starts again on the same port; the open page reconnects and echoes."""
    open_echo(page, daphne)
    record_status(page)
    daphne.stop()
    try:
        page.wait_for_selector("#status.reconnecting")
    finally:
        daphne.start()
    wait_until_open_again(page)
    assert echo(page, "after the restart") == "after the restart"
