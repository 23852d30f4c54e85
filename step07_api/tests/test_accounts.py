"""Log in, sign up and log out over HTTP."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def alice(django_user_model):
    """A user with a password, logged out."""
    return django_user_model.objects.create_user("alice", password=PASSWORD)


@pytest.fixture
def alice_client(client, alice):
    """Django's test client, logged in as alice (CSRF checks off, as the test client has them)."""
    client.force_login(alice)
    return client


@pytest.fixture
def strict_client(alice):
    """A client logged in as alice that enforces CSRF checks, as a browser request meets them."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def is_logged_in(client):
    """True when the client's session opens the room page (login required)."""
    return client.get("/chat/lobby/").status_code == 200


def signup(client, username="linus", password1=PASSWORD, password2=PASSWORD):
    """POST the sign-up form."""
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": password1, "password2": password2},
    )


# Logging out


def test_logout_by_get_is_not_allowed(alice_client):
    """GET /accounts/logout/ answers 405: a link or an <img> cannot log anyone out."""
    assert alice_client.get("/accounts/logout/").status_code == 405


def test_logout_by_get_leaves_the_user_logged_in(alice_client):
    """After a refused GET logout, the session still opens the room page."""
    alice_client.get("/accounts/logout/")
    assert is_logged_in(alice_client)


def test_logout_post_without_csrf_token_is_forbidden(strict_client):
    """A POST logout without the CSRF token (a form on another site) answers 403."""
    assert strict_client.post("/accounts/logout/").status_code == 403


def test_logout_post_without_csrf_token_leaves_the_user_logged_in(strict_client):
    """After a forged logout, the session still opens the room page."""
    strict_client.post("/accounts/logout/")
    assert is_logged_in(strict_client)


def test_logout_post_with_csrf_token_redirects_to_login(strict_client):
    """The page's logout form (token included) logs out and lands on the login page."""
    html = strict_client.get("/chat/lobby/").content.decode()
    token = CSRF_INPUT.search(html).group(1)
    response = strict_client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_logout_post_with_csrf_token_logs_out(strict_client):
    """After logging out, the room page redirects to the login page again."""
    html = strict_client.get("/chat/lobby/").content.decode()
    token = CSRF_INPUT.search(html).group(1)
    strict_client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert not is_logged_in(strict_client)


# Logging in


def test_login_page_shows_the_form(client):
    """GET /accounts/login/ shows a username and password form."""
    html = client.get("/accounts/login/").content.decode()
    assert all(f'name="{name}"' in html for name in ("username", "password"))


def test_login_redirects_to_next(client, alice):
    """Logging in with the right password goes back to the page that asked for it."""
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/chat/lobby/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/chat/lobby/"


def test_login_without_next_goes_to_the_room_picker(client, alice):
    """Logging in from the bare login page lands on the room picker."""
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/"


def test_login_does_not_redirect_to_another_site(client, alice):
    """A ?next= pointing at another site is ignored (no open redirect)."""
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_login_with_wrong_password_shows_an_error(client, alice):
    """A wrong password shows the form again with a sentence saying so."""
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_with_wrong_password_does_not_log_in(client, alice):
    """After a wrong password, the room page still redirects to login."""
    client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert not is_logged_in(client)


def test_login_is_refused_after_ten_wrong_passwords(client, alice):
    """After 10 wrong passwords for one username, even the right password is refused for now."""
    for _ in range(10):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert "Too many failed logins for this username" in response.content.decode()


def test_login_lockout_keeps_the_user_logged_out(client, alice):
    """The right password, sent during a lockout, does not log in."""
    for _ in range(10):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert not is_logged_in(client)


def test_login_lockout_is_per_username(client, alice, django_user_model):
    """Wrong passwords for alice do not lock bob out."""
    django_user_model.objects.create_user("bob", password=PASSWORD)
    for _ in range(10):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert is_logged_in(client)


def test_nine_wrong_passwords_do_not_lock_the_user_out(client, alice):
    """A user who mistypes a few times still logs in with the right password."""
    for _ in range(9):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert is_logged_in(client)


# Signing up


def test_signup_page_shows_the_form(client):
    """GET /accounts/signup/ shows a username field and two password fields."""
    html = client.get("/accounts/signup/").content.decode()
    assert all(f'name="{name}"' in html for name in ("username", "password1", "password2"))


def test_signup_creates_a_user_of_the_custom_model(client):
    """A valid sign-up creates an accounts.User."""
    from accounts.models import User

    signup(client)
    assert type(User.objects.get(username="linus")) is User


def test_signup_stores_a_hashed_password(client):
    """The password is stored hashed, and checks out."""
    from accounts.models import User

    signup(client)
    user = User.objects.get(username="linus")
    assert user.password != PASSWORD, "the password is stored as typed"
    assert user.check_password(PASSWORD), "the stored hash does not match the password"


def test_signup_logs_the_new_user_in(client):
    """After signing up, the browser is logged in as the new user."""
    signup(client)
    assert is_logged_in(client), "the new user is not logged in after signing up"


def test_signup_goes_to_the_room_picker(client):
    """After signing up, the browser lands on the room picker, /."""
    response = signup(client)
    assert response["Location"] == "/"


def test_signup_with_mismatched_passwords_shows_an_error(client):
    """Two different passwords show the form again, with the reason."""
    response = signup(client, password2=PASSWORD + "!")
    assert response.status_code == 200
    assert response.context["form"].errors["password2"] == ["The two password fields didn’t match."]


@pytest.mark.parametrize(
    "password, reason",
    [
        ("password", "This password is too common."),
        ("x7#q", "This password is too short. It must contain at least 8 characters."),
        ("8315720469", "This password is entirely numeric."),
        ("linus1234", "The password is too similar to the username."),
    ],
)
def test_signup_with_weak_password_shows_why(client, password, reason):
    """A password the validators refuse shows the form again, with the validator's reason."""
    response = signup(client, password1=password, password2=password)
    assert response.status_code == 200
    assert reason in response.context["form"].errors["password2"]


@pytest.mark.parametrize(
    "username, password2",
    [("linus", PASSWORD + "!"), ("linus", "password"), ("", PASSWORD), ("a b", PASSWORD)],
)
def test_refused_signup_creates_no_user(client, django_user_model, username, password2):
    """A refused sign-up (bad password or bad username) creates nobody."""
    signup(client, username=username, password2=password2)
    assert django_user_model.objects.count() == 0


def test_signup_refuses_a_look_alike_username(client, alice):
    """A look-alike of a username, "аlice" with a Cyrillic "а", is refused: usernames are ASCII."""
    response = signup(client, username="\u0430lice")
    assert "username" in response.context["form"].errors


def test_signup_refuses_a_username_that_differs_only_in_case(client, alice):
    """ "Alice" is refused while "alice" exists (Django's UserCreationForm checks that)."""
    response = signup(client, username="Alice")
    assert "username" in response.context["form"].errors


def test_signup_with_a_taken_username_shows_an_error(client, alice):
    """A username that exists already is refused with a sentence saying so."""
    response = signup(client, username="alice")
    assert response.context["form"].errors["username"] == [
        "A user with that username already exists."
    ]
