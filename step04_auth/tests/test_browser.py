"""Two users in headless Chromium: log in through the form, chat in one room, log out."""

import pytest

from tests.conftest import DEMO_PASSWORDS

pytestmark = pytest.mark.browser


def log_in_to_room(page, server, username, room="lobby"):
    """Open a room page, log in on the form it redirects to, and wait for the socket to open."""
    page.goto(f"{server.url}/chat/{room}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_selector("#status.open")


def send(page, text):
    """Type a message and press Enter."""
    page.fill("#message", text)
    page.press("#message", "Enter")


def test_message_typed_by_one_user_appears_for_the_other(demo_daphne, new_page):
    """What ada types shows up on grace's page, signed "ada"."""
    ada, grace = new_page(), new_page()
    log_in_to_room(ada, demo_daphne, "ada")
    log_in_to_room(grace, demo_daphne, "grace")
    send(ada, "hello, grace")
    grace.wait_for_selector("#log li.message")
    assert grace.inner_text("#log li.message") == "ada: hello, grace"


def test_markup_in_a_message_is_shown_as_text(demo_daphne, new_page):
    """A message holding HTML arrives as text on the other page and runs nothing there."""
    ada, grace = new_page(), new_page()
    log_in_to_room(ada, demo_daphne, "ada")
    log_in_to_room(grace, demo_daphne, "grace")
    send(ada, "<img src=x onerror=\"document.title='pwned'\">")
    grace.wait_for_selector("#log li.message")
    shown = grace.inner_text("#log li.message")
    assert (shown, grace.locator("#log img").count(), grace.title()) == (
        "ada: <img src=x onerror=\"document.title='pwned'\">",
        0,
        "Room lobby",
    )


def test_logout_button_lands_on_the_login_page(demo_daphne, new_page):
    """The page's Log out button logs out (a POST with the CSRF token) and shows the login form."""
    ada = new_page()
    log_in_to_room(ada, demo_daphne, "ada")
    ada.click("#logout")
    ada.wait_for_url(f"{demo_daphne.url}/accounts/login/")
    ada.goto(f"{demo_daphne.url}/chat/lobby/")
    assert ada.url == f"{demo_daphne.url}/accounts/login/?next=/chat/lobby/"
