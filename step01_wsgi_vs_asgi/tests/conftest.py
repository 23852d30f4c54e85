"""Fixtures for this step's tests: the two interfaces called by hand, live servers, a browser."""

import pytest

from tests.helpers import DAPHNE, Server, chromium_path, page_of_its_own, unavailable


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    """A real Daphne serving this step on 127.0.0.1, stopped after the module's tests."""
    server = Server(tmp_path_factory.mktemp("live"))
    try:
        server.start(*DAPHNE.format(port=server.port).split())
        yield server
    finally:
        server.stop()


@pytest.fixture
def serve(tmp_path):
    """Start servers with serve(*command), "{port}" filled in; all are stopped after the test."""
    started = []

    def start(*command):
        folder = tmp_path / f"server{len(started)}"
        folder.mkdir()
        server = Server(folder)
        started.append(server)
        server.start(*(part.format(port=server.port) for part in command))
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, closed after the module's tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install playwright")
    executable = chromium_path()
    if executable is None:
        unavailable(
            "No Chromium found: install it (Debian/Ubuntu: apt-get install chromium) "
            "or set CHROMIUM_PATH to a Chrome or Chromium binary"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (its own cookies), closed after the test."""
    yield from page_of_its_own(browser)
