"""Topics and channels through the API: staff make them, with slugs that fit in a URL."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(api_as):
    """DRF's test client, logged in as staff."""
    return api_as("staff")


def test_staff_creates_a_topic(staff):
    """POST /api/topics/ answers the new topic's id, name and slug."""
    response = staff.post("/api/topics/", {"name": "Django", "slug": "django"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"id": response.json()["id"], "name": "Django", "slug": "django"}


def test_topic_slug_is_unique(staff, chat_channel):
    """A second topic with the slug "testing": 400 naming `slug`."""
    response = staff.post("/api/topics/", {"name": "Again", "slug": "testing"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["slug"]


@pytest.mark.parametrize("slug", ["with space", "café", "", "x" * 51])
def test_topic_slug_is_ascii_letters_digits_and_dashes(staff, slug):
    """A slug goes into URLs: 1 to 50 of A-Z a-z 0-9 _ -, or 400 naming `slug`."""
    response = staff.post("/api/topics/", {"name": "Bad", "slug": slug}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["slug"]


def test_channel_slug_is_unique_within_its_topic(staff, chat_channel):
    """A second "general" in the same topic: 400, a non-field error."""
    body = {"topic": chat_channel.topic_id, "name": "Again", "slug": "general"}
    response = staff.post("/api/channels/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_two_topics_may_each_have_a_general_channel(staff, chat_channel):
    """The same slug in another topic is fine."""
    topic = staff.post("/api/topics/", {"name": "Other", "slug": "other"}, format="json").json()
    body = {"topic": topic["id"], "name": "General", "slug": "general"}
    assert staff.post("/api/channels/", body, format="json").status_code == 201


def test_channel_of_an_unknown_topic_gets_a_400(staff):
    """A channel in a topic that does not exist: 400 naming `topic`."""
    body = {"topic": 999_999, "name": "Lost", "slug": "lost"}
    response = staff.post("/api/channels/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["topic"]


def test_deleting_a_topic_deletes_its_channels_and_messages(staff, message):
    """DELETE /api/topics/<id>/ takes its channels and their messages with it."""
    from api.models import Channel, Message

    staff.delete(f"/api/topics/{message.channel.topic_id}/")
    assert not Channel.objects.filter(pk=message.channel_id).exists()
    assert not Message.objects.filter(pk=message.id).exists()
