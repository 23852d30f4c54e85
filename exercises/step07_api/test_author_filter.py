"""Exercise 1, "Whose messages": GET /api/messages/?author=<username> lists that user's only."""

import pytest

pytestmark = [pytest.mark.no_redis, pytest.mark.django_db]


@pytest.fixture
def posted(chat_channel, people):
    """Two channels of one topic, and messages by the author and the member in both."""
    other = chat_channel.topic.channels.create(name="Help", slug="help")
    for channel in (chat_channel, other):
        for role in ("author", "member"):
            channel.messages.create(author=people[role], body=f"{role} in {channel.slug}")
    return chat_channel, other


def bodies(response):
    """The bodies of a list's first page, in the order listed."""
    assert response.status_code == 200
    return [message["body"] for message in response.json()["results"]]


def test_author_filter_lists_that_users_messages_in_every_channel(api_as, posted):
    """?author=author lists the author's two messages, from both channels, newest last."""
    response = api_as("member").get("/api/messages/?author=author")
    assert bodies(response) == ["author in general", "author in help"]


def test_author_and_channel_filters_both_apply(api_as, posted):
    """?channel=<id>&author=member lists the member's message in that channel only."""
    general, _ = posted
    response = api_as("member").get(f"/api/messages/?channel={general.id}&author=member")
    assert bodies(response) == ["member in general"]


def test_unknown_author_gives_an_empty_page(api_as, posted):
    """A username nobody has is an empty list, not an error."""
    assert bodies(api_as("member").get("/api/messages/?author=nobody")) == []


def test_without_the_filter_every_message_is_listed(api_as, posted):
    """No ?author=: the list is as before, everyone's messages."""
    assert len(bodies(api_as("member").get("/api/messages/"))) == 4
