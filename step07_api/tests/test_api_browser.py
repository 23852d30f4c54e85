"""The channel page in headless Chromium: two people, and a program posting with a token."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import DEMO_PASSWORDS, api_request, api_token, log_in_over_http

pytestmark = pytest.mark.browser

CHANNEL_PAGE = "/topics/realtime-django/general/"


@pytest.fixture(scope="module")
def daphne(demo_daphne):
    """This module's server: a real Daphne with the demo users and the demo topic."""
    return demo_daphne


@pytest.fixture(scope="module")
def keys(daphne):
    """The demo users' API tokens, asked for once with POST /api/token/."""
    return {name: api_token(daphne, name, password) for name, password in DEMO_PASSWORDS.items()}


@pytest.fixture(scope="module")
def general(daphne, keys):
    """The id of the demo topic's "general" channel."""
    _, page = api_request(daphne, "GET", "/api/channels/", key=keys["ada"])
    return next(found["id"] for found in page["results"] if found["slug"] == "general")


def open_channel(page, daphne, username):
    """Open the channel page logged in as USERNAME, and wait for its socket to open."""
    name, value = log_in_over_http(daphne, username, DEMO_PASSWORDS[username]).split("=", 1)
    page.context.add_cookies([{"name": name, "value": value, "url": daphne.url}])
    page.goto(daphne.url + CHANNEL_PAGE)
    page.wait_for_selector("#status.open")


def unique(text):
    """The text with a random tail, so that a test finds its own message and no earlier one."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def test_token_post_appears_live_on_both_pages(daphne, keys, general, page, other_page):
    """grace's program POSTs with her token; ada's page and grace's page both show it."""
    open_channel(page, daphne, "ada")
    open_channel(other_page, daphne, "grace")
    text = unique("posted by a program")
    _, answer = api_request(
        daphne, "POST", "/api/messages/", {"channel": general, "body": text}, key=keys["grace"]
    )
    on_adas = page.locator(f'#log li[data-id="{answer["id"]}"]')
    expect(on_adas).to_have_text(f"{answer['created_at'][11:16]} grace: {text}")
    expect(on_adas).to_have_class("message")
    expect(other_page.locator(f'#log li[data-id="{answer["id"]}"]')).to_have_class("message own")


def test_typed_message_reaches_the_other_page(daphne, page, other_page):
    """ada types into her page (a POST to the API); grace's page shows it live."""
    open_channel(page, daphne, "ada")
    open_channel(other_page, daphne, "grace")
    text = unique("typed by ada")
    page.fill("#message", text)
    page.press("#message", "Enter")
    expect(other_page.locator("#log li.message", has_text=text)).to_contain_text(f"ada: {text}")


def test_own_post_is_shown_once(daphne, page):
    """The POST's answer and the socket's frame both carry the message: it is shown once."""
    open_channel(page, daphne, "ada")
    page.evaluate(
        """() => {
            window.bodiesSeen = [];
            live.socket.addEventListener("message", (event) => {
                bodiesSeen.push(JSON.parse(event.data).body);
            });
        }"""
    )
    text = unique("only once")
    page.fill("#message", text)
    page.press("#message", "Enter")
    page.wait_for_function("(text) => bodiesSeen.includes(text)", arg=text)  # the socket's copy
    mine = page.locator("#log li.message", has_text=text)
    expect(mine).to_have_count(1)
    expect(mine).to_have_class("message own")


def shown_post_by_grace(daphne, keys, general, page, body):
    """grace POSTs BODY with her token; its API path, and its line on PAGE once shown there."""
    _, answer = api_request(
        daphne, "POST", "/api/messages/", {"channel": general, "body": body}, key=keys["grace"]
    )
    item = page.locator(f'#log li[data-id="{answer["id"]}"]')
    expect(item).to_contain_text(f"grace: {body}")
    return f"/api/messages/{answer['id']}/", item


def test_edit_and_delete_show_live(daphne, keys, general, page):
    """grace edits then deletes her message through the API; ada's page follows."""
    open_channel(page, daphne, "ada")
    path, item = shown_post_by_grace(daphne, keys, general, page, "draft")
    api_request(daphne, "PATCH", path, {"body": "final"}, key=keys["grace"])
    expect(item).to_contain_text("grace: final")
    api_request(daphne, "DELETE", path, key=keys["grace"])
    expect(item).to_have_count(0)


def test_message_holding_html_shows_as_text(daphne, keys, general, page):
    """A message holding HTML is shown as text and runs nothing."""
    open_channel(page, daphne, "ada")
    text = "<img src=x onerror=\"document.title='pwned'\">"
    _, answer = api_request(
        daphne, "POST", "/api/messages/", {"channel": general, "body": text}, key=keys["grace"]
    )
    expect(page.locator(f'#log li[data-id="{answer["id"]}"]')).to_contain_text(text)
    assert page.locator("#log img").count() == 0
    assert page.title() == "Real-time Django / General"


def test_refused_post_says_why(daphne, page):
    """A body over 2000 characters (typed past maxlength by a script): "Not sent: body: ..."."""
    open_channel(page, daphne, "ada")
    page.evaluate("document.getElementById('message').removeAttribute('maxlength')")
    page.fill("#message", "x" * 2001)
    page.press("#message", "Enter")
    expect(page.locator("#log li.error")).to_have_text(
        "Not sent: body: Ensure this field has no more than 2000 characters."
    )


def test_page_shows_the_login_link_after_logout(daphne, page):
    """Logging out in another tab closes the socket with 4401: the page offers a login link."""
    open_channel(page, daphne, "ada")
    second_tab = page.context.new_page()
    second_tab.goto(f"{daphne.url}/")
    second_tab.click("#logout")
    expect(page.locator("#status")).to_contain_text("logged out")
    expect(page.locator("#login-again")).to_have_attribute(
        "href", "/accounts/login/?next=%2Ftopics%2Frealtime-django%2Fgeneral%2F"
    )


def away_while(page, change):
    """Close the page's socket, run CHANGE while it is away (3 s), and wait until it is back."""
    page.evaluate("retryDelay = () => 3000; live.socket.close(4000)")
    page.wait_for_selector("#status.reconnecting")
    change()
    page.wait_for_selector("#status.open", timeout=10_000)


def test_page_catches_up_on_what_was_posted_while_away(daphne, keys, general, page):
    """A message posted while the page's socket was away is on the page once it is back, once."""
    open_channel(page, daphne, "ada")
    text = unique("posted while ada was away")

    def post():
        api_request(
            daphne, "POST", "/api/messages/", {"channel": general, "body": text}, key=keys["grace"]
        )

    away_while(page, post)
    expect(page.locator("#log li.message", has_text=text)).to_have_count(1)


def test_page_drops_what_was_deleted_while_away(daphne, keys, general, page):
    """A message deleted while the page's socket was away is gone from the page once it is back."""
    open_channel(page, daphne, "ada")
    path, item = shown_post_by_grace(daphne, keys, general, page, "soon gone")
    expect(item).to_have_count(1)

    def delete():
        api_request(daphne, "DELETE", path, key=keys["grace"])

    away_while(page, delete)
    expect(item).to_have_count(0)


def test_page_shows_what_was_edited_while_away(daphne, keys, general, page):
    """A message edited while the page's socket was away shows its new text once it is back."""
    open_channel(page, daphne, "ada")
    path, item = shown_post_by_grace(daphne, keys, general, page, "first")

    def edit():
        api_request(daphne, "PATCH", path, {"body": "second"}, key=keys["grace"])

    away_while(page, edit)
    expect(item).to_contain_text("grace: second")
