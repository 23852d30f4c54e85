"""The messages API: what it accepts, what it refuses with a 400 or a 404, and its pages."""

import base64

import pytest

from api.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(api_as):
    """DRF's test client, logged in as a member."""
    return api_as("member")


def post(client, chat_channel, body):
    """POST a message with BODY to the chat channel; the response."""
    return client.post("/api/messages/", {"channel": chat_channel.id, "body": body}, format="json")


def test_posted_message_is_answered_with_its_json(member, chat_channel):
    """A 201 with the message's id, channel id, author's username, body and time."""
    response = post(member, chat_channel, "hello")
    message = Message.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": message.id,
        "channel": chat_channel.id,
        "author": "member",
        "body": "hello",
        "created_at": response.json()["created_at"],
    }


def test_body_is_trimmed(member, chat_channel):
    """White space around the body is not saved."""
    post(member, chat_channel, "  hello \n")
    assert Message.objects.get().body == "hello"


def test_author_cannot_be_forged_from_the_body(member, chat_channel, people):
    """An `author` in the body is ignored: the message is the logged-in user's."""
    client = member
    body = {"channel": chat_channel.id, "body": "I am staff", "author": "staff"}
    response = client.post("/api/messages/", body, format="json")
    assert response.json()["author"] == "member"
    assert Message.objects.get().author == people["member"]


def test_author_cannot_be_changed_by_an_edit(api_as, message, people):
    """A PATCH that names another author changes the body, never the author."""
    api_as("author").patch(f"/api/messages/{message.id}/", {"author": "staff"}, format="json")
    message.refresh_from_db()
    assert message.author == people["author"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param("   \n\t ", id="only-white-space"),
        pytest.param("x" * 2001, id="2001-characters"),
        pytest.param("a\x00b", id="NUL"),
        pytest.param(None, id="null"),
        pytest.param(["a list"], id="list"),
        pytest.param(5, id="number"),
    ],
)
def test_bad_body_gets_a_400_naming_the_field(member, chat_channel, body):
    """The socket's rules: 1 to 2000 characters once trimmed, no NUL; a field error says so."""
    response = post(member, chat_channel, body)
    assert response.status_code == 400
    assert list(response.json()) == ["body"]


def test_unpaired_surrogate_gets_a_400(member, chat_channel):
    """JSON may spell half a UTF-16 pair ("\\ud800"), which no database can store: 400."""
    text = f'{{"channel": {chat_channel.id}, "body": "a\\ud800b"}}'
    response = member.generic("POST", "/api/messages/", text, "application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["body"]


def test_2000_characters_after_trimming_are_accepted(member, chat_channel):
    """2000 characters, with white space around them, is not too long."""
    assert post(member, chat_channel, "  " + "x" * 2000 + "  ").status_code == 201


def test_missing_body_is_a_field_error(member, chat_channel):
    """A post with no body: 400, "body" required."""
    response = member.post("/api/messages/", {"channel": chat_channel.id}, format="json")
    assert response.status_code == 400
    assert response.json() == {"body": ["This field is required."]}


@pytest.mark.parametrize("channel", [999_999, "abc", 10**30, -1, None, True])
def test_bad_channel_in_the_body_gets_a_400(member, channel):
    """An unknown or malformed channel id is a field error, not a 500."""
    response = member.post("/api/messages/", {"channel": channel, "body": "hi"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["channel"]


def test_malformed_json_gets_a_400(member):
    """A body that is not JSON: 400 with DRF's parse error."""
    response = member.generic("POST", "/api/messages/", "{not json", "application/json")
    assert response.status_code == 400


def test_message_cannot_move_to_another_channel(api_as, message, chat_channel):
    """A PUT naming another channel is refused: a message stays where it was posted."""
    other = chat_channel.topic.channels.create(name="Other", slug="other")
    body = {"channel": other.id, "body": "moved"}
    response = api_as("author").put(f"/api/messages/{message.id}/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["channel"]


@pytest.mark.parametrize("path", ["/api/messages/999999/", "/api/messages/99999999999999999999/"])
def test_unknown_message_id_gets_a_404(member, message, path):
    """An id that no message has, even one too large for the database: 404."""
    assert member.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/api/messages/abc/", "/api/topics/1.5/", "/api/channels/-1/"])
def test_id_that_is_not_digits_gets_a_404(member, path):
    """A path whose id is not ASCII digits matches no route: 404."""
    assert member.get(path).status_code == 404


def test_unknown_id_is_a_404_before_any_permission_question(api_as):
    """A member editing a message that does not exist gets 404, not 403."""
    response = api_as("member").patch("/api/messages/999999/", {"body": "x"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["channel=abc", "channel=", "channel=1&channel=2", "channel=١"])
def test_malformed_channel_filter_gets_a_400(member, query):
    """?channel= must be one id of ASCII digits: 400 naming `channel`."""
    response = member.get(f"/api/messages/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == ["channel"]


@pytest.mark.parametrize("query", ["topic=abc", "topic=-3"])
def test_malformed_topic_filter_gets_a_400(member, query):
    """?topic= must be one id of ASCII digits: 400 naming `topic`."""
    response = member.get(f"/api/channels/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == ["topic"]


def test_huge_channel_filter_finds_nothing(member, message):
    """?channel= with an id beyond any the database holds: an empty page, not a 500."""
    response = member.get(f"/api/messages/?channel={'9' * 40}")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_channel_filter_lists_that_channels_messages(member, message, chat_channel, people):
    """?channel=<id> lists only that channel's messages."""
    other = chat_channel.topic.channels.create(name="Other", slug="other")
    other.messages.create(author=people["member"], body="elsewhere")
    response = member.get(f"/api/messages/?channel={chat_channel.id}")
    assert [found["body"] for found in response.json()["results"]] == ["first!"]


def test_topic_filter_lists_that_topics_channels(member, chat_channel):
    """?topic=<id> lists only that topic's channels."""
    from api.models import Topic

    other = Topic.objects.create(name="Other", slug="other")
    other.channels.create(name="Elsewhere", slug="elsewhere")
    response = member.get(f"/api/channels/?topic={chat_channel.topic_id}")
    assert [found["slug"] for found in response.json()["results"]] == ["general"]


def test_message_frame_keys_are_ids_not_links(member, message):
    """`channel` is the channel's id and `author` the username: no hyperlinks."""
    found = member.get(f"/api/messages/{message.id}/").json()
    assert found["channel"] == message.channel_id
    assert found["author"] == "author"


# Pages: the newest 50 first, each page newest last; `next` leads to older messages.


@pytest.fixture
def many(chat_channel, people):
    """120 messages in the chat channel, "message 0" the oldest."""
    Message.objects.bulk_create(
        Message(channel=chat_channel, author=people["author"], body=f"message {n}")
        for n in range(120)
    )
    return chat_channel


def bodies(answer):
    """The bodies on a page of messages."""
    return [found["body"] for found in answer["results"]]


def test_first_page_is_the_newest_50_newest_last(member, many):
    """The first page holds messages 70 to 119, in that order."""
    answer = member.get(f"/api/messages/?channel={many.id}").json()
    assert bodies(answer) == [f"message {n}" for n in range(70, 120)]


def test_next_page_holds_the_50_before(member, many):
    """Following `next` gives messages 20 to 69, newest last."""
    first = member.get(f"/api/messages/?channel={many.id}").json()
    answer = member.get(first["next"]).json()
    assert bodies(answer) == [f"message {n}" for n in range(20, 70)]


def test_last_page_has_no_next(member, many):
    """The third page holds the 20 oldest, and no `next`."""
    answer = member.get(f"/api/messages/?channel={many.id}").json()
    for _ in range(2):
        answer = member.get(answer["next"]).json()
    assert bodies(answer) == [f"message {n}" for n in range(20)]
    assert answer["next"] is None


def test_previous_leads_back_to_newer_messages(member, many):
    """From the second page, `previous` gives the first page again."""
    first = member.get(f"/api/messages/?channel={many.id}").json()
    second = member.get(first["next"]).json()
    assert bodies(member.get(second["previous"]).json()) == bodies(first)


def test_page_does_not_shift_when_messages_arrive(member, many, people):
    """A message posted after the first page was read does not reappear on the next one."""
    first = member.get(f"/api/messages/?channel={many.id}").json()
    many.messages.create(author=people["member"], body="late")
    second = member.get(first["next"]).json()
    assert bodies(second) == [f"message {n}" for n in range(20, 70)]


def cursor(text):
    """TEXT as a cursor query value (base64, as DRF writes them)."""
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("garbage!", id="not-base64"),
        pytest.param(cursor("p=abc"), id="position-not-a-number"),
        pytest.param(cursor("o=" + "9" * 5000), id="offset-of-5000-digits"),
    ],
)
def test_cursor_that_the_api_did_not_write_gets_a_404(member, many, value):
    """DRF answers a cursor it cannot read with 404 "Invalid cursor", never a 500."""
    response = member.get(f"/api/messages/?channel={many.id}&cursor={value}")
    assert response.status_code == 404


def test_cursor_beyond_every_id_gives_an_empty_page(member, many):
    """Newer than a position of 20000 digits, larger than any id: nothing, and not a 500."""
    value = cursor("r=1&p=" + "9" * 20000)
    response = member.get(f"/api/messages/?channel={many.id}&cursor={value}")
    assert response.status_code == 200
    assert response.json()["results"] == []


# The per-user limit of every step-6 socket holds over HTTP too.


@pytest.fixture
def tight_limits(settings):
    """At most 1 message a second, in bursts of 2."""
    settings.CHAT_RATE_PER_SECOND = 1
    settings.CHAT_RATE_BURST = 2


def test_posting_over_the_limit_gets_a_429(member, chat_channel, tight_limits):
    """The third POST of a burst of 2 is refused with 429 and a Retry-After."""
    for text in ("one", "two"):
        post(member, chat_channel, text)
    response = post(member, chat_channel, "three")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_refused_post_is_not_saved(member, chat_channel, tight_limits):
    """The message refused for the limit is not saved."""
    for text in ("one", "two", "three"):
        post(member, chat_channel, text)
    assert not Message.objects.filter(body="three").exists()


def test_reading_is_not_limited(member, chat_channel, tight_limits):
    """GETs do not spend the budget: after ten reads, a post still goes through."""
    for _ in range(10):
        member.get(f"/api/messages/?channel={chat_channel.id}")
    assert post(member, chat_channel, "still fine").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_channel_deleted_before_the_save_gets_a_400_not_a_500(
    member, chat_channel, channel_deleted_after_its_check
):
    """Deleted after the request was checked, before its row was committed: 400, nothing saved."""
    response = post(member, chat_channel, "too late")
    assert response.status_code == 400
    assert list(response.json()) == ["channel"]
    assert not Message.objects.exists()
