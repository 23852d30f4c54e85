"""The topic index and the channel pages, as the server renders them."""

import re

import pytest

from api.models import Message

pytestmark = pytest.mark.django_db

CHANNEL_PAGE = "/topics/testing/general/"


@pytest.fixture
def alice(logged_in):
    """alice's test client, logged in."""
    return logged_in["alice"].client


def ids_on(page):
    """The data-id of every message <li> in a page, in order."""
    return [int(found) for found in re.findall(r'<li class="message[^"]*" data-id="(\d+)"', page)]


def test_index_links_to_the_topics(client):
    """The room picker links to the topic index."""
    assert 'href="/topics/"' in client.get("/").content.decode()


@pytest.mark.parametrize("path", ["/topics/", CHANNEL_PAGE])
def test_pages_need_a_login(client, chat_channel, path):
    """Nobody logged in: a redirect to the login page."""
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_topic_index_links_to_each_channel(alice, chat_channel):
    """The index names the topic and links to its channel's page."""
    page = alice.get("/topics/").content.decode()
    assert "<h2>Testing</h2>" in page
    assert f'<a href="{CHANNEL_PAGE}">General</a>' in page


def test_demo_topic_is_on_the_index(alice):
    """The migration's demo topic, with its two channels, is there on a new database."""
    page = alice.get("/topics/").content.decode()
    assert "<h2>Real-time Django</h2>" in page
    assert 'href="/topics/realtime-django/general/"' in page
    assert 'href="/topics/realtime-django/help/"' in page


def test_channel_page_shows_its_messages(alice, message):
    """The channel page lists the channel's message with its author."""
    page = alice.get(CHANNEL_PAGE).content.decode()
    assert ids_on(page) == [message.id]
    assert "author: first!" in page


def test_channel_page_shows_the_newest_50_newest_last(alice, chat_channel, people):
    """Of 60 messages, the page renders the 50 newest, oldest of them first."""
    Message.objects.bulk_create(
        Message(channel=chat_channel, author=people["author"], body=f"n{n}") for n in range(60)
    )
    newest = list(chat_channel.messages.order_by("-id").values_list("id", flat=True)[:50])
    assert ids_on(alice.get(CHANNEL_PAGE).content.decode()) == newest[::-1]


def test_channel_page_marks_own_messages(logged_in, chat_channel):
    """alice's message carries the class "own" on her page."""
    alice = logged_in["alice"]
    chat_channel.messages.create(author=alice.user, body="mine")
    page = alice.client.get(CHANNEL_PAGE).content.decode()
    assert '<li class="message own"' in page


def test_channel_page_escapes_markup(alice, chat_channel, people):
    """A message holding HTML is rendered as text."""
    chat_channel.messages.create(author=people["author"], body="<b>bold</b>")
    page = alice.get(CHANNEL_PAGE).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_channel_page_tells_the_script_its_channel_id(alice, chat_channel):
    """The page holds the channel's id for channel.js, as JSON."""
    page = alice.get(CHANNEL_PAGE).content.decode()
    assert f'<script id="channel-id" type="application/json">{chat_channel.id}</script>' in page


def test_channel_page_holds_a_csrf_token(alice, chat_channel):
    """The form holds the CSRF token the page's POST to the API sends."""
    assert 'name="csrfmiddlewaretoken"' in alice.get(CHANNEL_PAGE).content.decode()


@pytest.mark.parametrize(
    "path", ["/topics/testing/nope/", "/topics/nope/general/", "/topics/realtime-django/x%20y/"]
)
def test_unknown_channel_page_is_a_404(alice, chat_channel, path):
    """A topic or channel slug that does not exist: 404."""
    assert alice.get(path).status_code == 404


def test_same_channel_slug_in_two_topics_are_two_pages(alice, chat_channel, people):
    """/topics/testing/general/ and /topics/realtime-django/general/ show their own messages."""
    chat_channel.messages.create(author=people["author"], body="in testing")
    page = alice.get("/topics/realtime-django/general/").content.decode()
    assert "in testing" not in page
