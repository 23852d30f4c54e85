"""Fixtures for this step's tests: sockets through the ASGI app, a live Daphne, a browser."""

import pytest
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from tests.helpers import (
    HOST,
    ORIGIN,
    Server,
    chromium_path,
    log_in_as,
    page_of_its_own,
    unavailable,
)


@pytest.fixture
async def connect():
    """Open sockets through config.asgi.application; every one is closed after the test."""
    from config.asgi import application

    opened = []

    async def open_socket(path, origin=ORIGIN, headers=(), host=HOST):
        communicator = WebsocketCommunicator(
            application,
            path,
            headers=[(b"host", host.encode()), (b"origin", origin.encode()), *headers],
        )
        connected, _ = await communicator.connect()
        opened.append(communicator)
        return communicator, connected

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    """A real Daphne serving this step on 127.0.0.1, stopped after the module's tests."""
    server = Server(tmp_path_factory.mktemp("live"))
    try:
        server.start()
        yield server
    finally:
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


@pytest.fixture
def other_page(browser):
    """A second person: a page in its own browser context, closed after the test."""
    yield from page_of_its_own(browser)


@pytest.fixture
def no_js_page(browser):
    """A person whose browser runs no JavaScript (forms post): a page of its own, closed after."""
    yield from page_of_its_own(browser, java_script_enabled=False)


# Accounts (this step): logged-in sessions for sockets, a live server with the demo users.


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache: failed logins are counted there."""
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Use a fast password hasher in-process: PBKDF2 is slow on purpose, tests need not be."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def log_in(django_user_model):
    """A function: create a user with this username and log it in (sync code only)."""

    def create(username):
        # No password: force_login needs none.
        return log_in_as(django_user_model.objects.create_user(username))

    return create


@pytest.fixture
def logged_in(log_in):
    """alice, bob and carol, each logged in with a session of their own, by username."""
    return {username: log_in(username) for username in ("alice", "bob", "carol")}


@pytest.fixture(scope="module")
def demo_daphne(tmp_path_factory):
    """A real Daphne whose database holds the demo users, stopped after the module's tests."""
    server = Server(tmp_path_factory.mktemp("live"))
    try:
        server.start()
        server.manage("demo_users")
        yield server
    finally:
        server.stop()


# Private inboxes (this step): inbox sockets for logged-in users.


@pytest.fixture
def inbox(connect):
    """Open /ws/inbox/ with a Login's session cookie; the test fails if it is refused."""

    async def open_inbox(login):
        socket, connected = await connect("/ws/inbox/", headers=login.headers)
        assert connected, f"the inbox socket of {login.user.username} was refused"
        return socket

    return open_inbox
