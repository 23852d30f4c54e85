"""API tokens: POST /api/token/, then `Authorization: Token <key>` on requests and sockets."""

import pytest
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from accounts.forms import MAX_FAILED_LOGINS
from tests.helpers import log_in_as, token_header

PASSWORD = "a-long-test-password"


@pytest.fixture
def grace(django_user_model):
    """A user with a password, as one who asks for a token has."""
    return django_user_model.objects.create_user("grace", password=PASSWORD)


def ask_for_token(username, password):
    """POST /api/token/ with a username and a password; the response."""
    body = {"username": username, "password": password}
    return APIClient().post("/api/token/", body, format="json")


def client_with(key):
    """DRF's test client sending `Authorization: Token <key>`, and no cookie."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=token_header(key))
    return client


# Over HTTP.


@pytest.mark.django_db
def test_username_and_password_get_a_token(grace):
    """The right password: 200 and {"token": <key>}."""
    response = ask_for_token("grace", PASSWORD)
    assert response.status_code == 200
    assert list(response.json()) == ["token"]


@pytest.mark.django_db
def test_asking_again_gets_the_same_token(grace):
    """One token per user: asking twice answers the same key."""
    assert ask_for_token("grace", PASSWORD).json() == ask_for_token("grace", PASSWORD).json()


@pytest.mark.django_db
def test_wrong_password_gets_a_400_and_no_token(grace):
    """A wrong password: 400 with a non-field error, and no token."""
    response = ask_for_token("grace", "not the password")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


@pytest.mark.django_db
def test_missing_password_gets_a_field_error(grace):
    """No password: 400 naming `password`."""
    response = APIClient().post("/api/token/", {"username": "grace"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["password"]


@pytest.mark.django_db
def test_token_requests_count_failed_logins(grace):
    """After 10 wrong passwords, the right one is refused too, as on the login page."""
    for _ in range(MAX_FAILED_LOGINS):
        ask_for_token("grace", "guess")
    response = ask_for_token("grace", PASSWORD)
    assert response.status_code == 400
    assert "Too many failed logins" in response.json()["non_field_errors"][0]


@pytest.mark.django_db
def test_inactive_user_gets_no_token(grace):
    """A deactivated account cannot get a token."""
    grace.is_active = False
    grace.save()
    assert ask_for_token("grace", PASSWORD).status_code == 400


@pytest.mark.django_db
def test_token_authenticates_an_api_request(grace, token_for):
    """GET /api/topics/ with the token header: 200, with no session at all."""
    assert client_with(token_for(grace)).get("/api/topics/").status_code == 200


@pytest.mark.django_db
def test_token_user_is_the_author(grace, token_for, chat_channel):
    """A message POSTed with grace's token is grace's."""
    body = {"channel": chat_channel.id, "body": "by token"}
    response = client_with(token_for(grace)).post("/api/messages/", body, format="json")
    assert response.json()["author"] == "grace"


@pytest.mark.django_db
def test_unknown_token_gets_a_401(chat_channel):
    """A key that no token has: 401."""
    assert client_with("0" * 40).get("/api/topics/").status_code == 401


@pytest.mark.django_db
def test_token_of_an_inactive_user_gets_a_401(grace, token_for):
    """The token of a deactivated user no longer works."""
    key = token_for(grace)
    grace.is_active = False
    grace.save()
    assert client_with(key).get("/api/topics/").status_code == 401


@pytest.mark.django_db
def test_token_post_needs_no_csrf_token(grace, token_for, chat_channel):
    """A program's POST with a token needs no CSRF token: no cookie rides along with it."""
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=token_header(token_for(grace)))
    body = {"channel": chat_channel.id, "body": "no csrf"}
    assert client.post("/api/messages/", body, format="json").status_code == 201


@pytest.mark.django_db
def test_session_post_without_csrf_token_is_refused(grace, chat_channel):
    """A page's POST (session cookie) without its CSRF token: 403, as for a Django form."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(grace)
    body = {"channel": chat_channel.id, "body": "forged by another site"}
    assert client.post("/api/messages/", body, format="json").status_code == 403


# Over a socket, through config.asgi.application.


@pytest.fixture
def key_of(token_for):
    """A function: the token key of a user, from async code."""
    return sync_to_async(token_for)


def token_headers(key):
    """The handshake headers of a program with this token."""
    return [(b"authorization", token_header(key).encode())]


@pytest.mark.django_db(transaction=True)
async def test_token_opens_a_socket_without_an_origin(connect, chat_channel, grace, key_of):
    """A handshake with a token header and no Origin is accepted."""
    headers = token_headers(await key_of(grace))
    _, connected = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    assert connected


@pytest.mark.django_db(transaction=True)
async def test_token_sockets_user_is_the_tokens(connect, chat_channel, grace, key_of):
    """What a token's socket posts is signed with the token's user."""
    headers = token_headers(await key_of(grace))
    socket, _ = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    await socket.send_json_to({"body": "hello from a program"})
    frame = await socket.receive_json_from(timeout=5)
    assert frame["author"] == "grace"


@pytest.mark.django_db(transaction=True)
async def test_token_socket_is_not_held_to_the_origin_check(connect, chat_channel, grace, key_of):
    """A program may send any Origin: a page of another site cannot send the token header."""
    headers = token_headers(await key_of(grace))
    path = f"/ws/channels/{chat_channel.id}/"
    _, connected = await connect(path, origin="http://elsewhere.example", headers=headers)
    assert connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"Token " + b"0" * 40, id="unknown-key"),
        pytest.param(b"Token", id="no-key"),
        pytest.param(b"Token two words", id="two-words"),
        pytest.param(b"Token \xff\xfe", id="not-utf-8"),
    ],
)
async def test_bad_token_is_refused_even_with_a_session(connect, chat_channel, logged_in, value):
    """A bad token header is refused, and never falls back on the session cookie beside it."""
    headers = [(b"authorization", value), *logged_in["alice"].headers]
    _, connected = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_inactive_users_token_is_refused(connect, chat_channel, grace, key_of):
    """The token of a deactivated user opens no socket."""
    key = await key_of(grace)
    grace.is_active = False
    await grace.asave()
    headers = token_headers(key)
    _, connected = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    assert not connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("query", ["token=", "token=0000", "after=1&token=x"])
async def test_token_in_the_query_string_is_refused(connect, chat_channel, logged_in, query):
    """`?token=` is refused, even beside a valid session and Origin: URLs end up in logs."""
    path = f"/ws/channels/{chat_channel.id}/?{query}"
    _, connected = await connect(path, headers=logged_in["alice"].headers)
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_valid_token_in_the_query_string_is_refused(connect, chat_channel, grace, key_of):
    """A real key in `?token=` opens nothing either."""
    path = f"/ws/channels/{chat_channel.id}/?token={await key_of(grace)}"
    _, connected = await connect(path, origin=None)
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_cookie_socket_still_needs_its_origin(connect, chat_channel, logged_in):
    """A session cookie with no Origin is refused: the origin check still guards pages."""
    path = f"/ws/channels/{chat_channel.id}/"
    _, connected = await connect(path, origin=None, headers=logged_in["alice"].headers)
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_other_authorization_schemes_are_held_to_the_origin_check(
    connect, chat_channel, logged_in
):
    """`Authorization: Basic ...` is no token: with a cookie and no Origin, it is refused."""
    headers = [(b"authorization", b"Basic Z3JhY2U6eA=="), *logged_in["alice"].headers]
    _, connected = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_deleting_the_token_closes_its_sockets_with_4401(connect, chat_channel, grace):
    """A deleted token's sockets are closed with 4401, as a logged-out session's are."""
    from rest_framework.authtoken.models import Token

    token = await Token.objects.acreate(user=grace)
    headers = token_headers(token.key)
    socket, _ = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    await token.adelete()
    closed = await socket.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
async def test_deactivating_the_user_closes_token_sockets(connect, chat_channel, grace, key_of):
    """A user made inactive loses their token's sockets too (4401)."""
    headers = token_headers(await key_of(grace))
    socket, _ = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    grace.is_active = False
    await grace.asave()
    closed = await socket.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
async def test_logout_in_her_browser_leaves_the_token_socket_open(
    connect, chat_channel, grace, key_of
):
    """grace logging out of a browser session does not close her program's socket."""
    headers = token_headers(await key_of(grace))
    socket, _ = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    browser = await sync_to_async(log_in_as)(grace)
    await sync_to_async(browser.client.post)("/accounts/logout/")
    assert await socket.receive_nothing(timeout=1)


@pytest.mark.django_db(transaction=True)
async def test_password_change_closes_her_token_sockets(connect, chat_channel, grace, key_of):
    """A password change ends her other sessions' sockets, and her token's too (4401).

    The token itself still works for a new handshake: only deleting it revokes it.
    """
    headers = token_headers(await key_of(grace))
    socket, _ = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    browser = await sync_to_async(log_in_as)(grace)
    new = "another-long-password-1"
    form = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = await sync_to_async(browser.client.post)("/accounts/password_change/", form)
    assert response.status_code == 302
    closed = await socket.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4401}
    _, connected = await connect(f"/ws/channels/{chat_channel.id}/", origin=None, headers=headers)
    assert connected
