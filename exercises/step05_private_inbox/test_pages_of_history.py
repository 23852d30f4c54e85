"""Exercise 1, "Pages of history": the latest 50 messages, and an "Older messages" link."""

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

INBOX = "/inbox/"
OLDER_LINK = re.compile(r'<a\b[^>]*\bhref="/inbox/\?before=(\d+)"[^>]*>\s*Older messages\s*</a>')


def send_by_form(sender, count):
    """`sender` posts `count` messages to bob through the inbox form: "message 001", ..."""
    for number in range(1, count + 1):
        form = {"to": "bob", "message": f"message {number:03}"}
        response = sender.client.post("/inbox/send/", form)
        assert response.status_code == 302, f"sending message {number} failed"


def shown(page):
    """The numbers of the messages a page shows, top to bottom."""
    return re.findall(r"alice → bob: message (\d{3})", page)


def message_ids(page):
    """The data-id of every message on a page, top to bottom."""
    return [int(found) for found in re.findall(r'<li\b[^>]*\bdata-id="(\d+)"', page)]


def older_link(page):
    """The id in the page's "Older messages" link; the test stops here if there is none."""
    link = OLDER_LINK.search(page)
    assert link, 'no <a href="/inbox/?before=<id>">Older messages</a> on the page'
    return link.group(1)


def number_range(first, last):
    """["001", "002", ...] from `first` to `last`, both included."""
    return [f"{number:03}" for number in range(first, last + 1)]


@pytest.fixture
def fifty_one(logged_in):
    """alice has sent bob 51 messages; the result is bob's first inbox page."""
    send_by_form(logged_in["alice"], 51)
    return logged_in["bob"].client.get(INBOX).content.decode()


def test_inbox_shows_the_latest_50_messages_oldest_first(fifty_one):
    """With 51 messages, /inbox/ shows the newest 50 (2 to 51), the newest at the bottom."""
    assert shown(fifty_one) == number_range(2, 51)


def test_older_messages_link_points_before_the_oldest_shown(fifty_one):
    """The "Older messages" link is /inbox/?before=<id of the oldest message on the page>."""
    assert int(older_link(fifty_one)) == min(message_ids(fifty_one))


def test_older_page_shows_the_messages_before_that_id(fifty_one, logged_in):
    """Following "Older messages" shows what came before: here, message 1 alone."""
    before = older_link(fifty_one)
    older = logged_in["bob"].client.get(INBOX, {"before": before}).content.decode()
    assert shown(older) == ["001"]


def test_oldest_page_has_no_older_messages_link(fifty_one, logged_in):
    """The page that reaches the first message has no "Older messages" link."""
    before = older_link(fifty_one)
    older = logged_in["bob"].client.get(INBOX, {"before": before}).content.decode()
    assert "Older messages" not in older


def test_no_older_messages_link_when_everything_fits(logged_in):
    """With exactly 50 messages, all of them are shown and there is no "Older messages" link."""
    send_by_form(logged_in["alice"], 50)
    page = logged_in["bob"].client.get(INBOX).content.decode()
    assert (shown(page), "Older messages" in page) == (number_range(1, 50), False)


def test_sender_sees_the_same_pages(fifty_one, logged_in):
    """alice, who sent them, sees the same latest 50 on her own inbox page."""
    page = logged_in["alice"].client.get(INBOX).content.decode()
    assert shown(page) == shown(fifty_one)
