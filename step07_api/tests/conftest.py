"""Fixtures for this step's tests: Redis, sockets through the ASGI app, Daphnes, a browser, the
REST API's people and channels."""

import os
import shutil
import uuid

import pytest
import redis
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import override_settings

from tests.helpers import (
    HOST,
    ORIGIN,
    POSTGRES_HELP,
    REDIS_HELP,
    RedisServer,
    Server,
    answers_ping,
    chromium_path,
    layers_for,
    log_in_as,
    page_of_its_own,
    reachable_postgres,
    settings_under,
    two_servers_sharing,
    unavailable,
)


@pytest.fixture
async def connect():
    """Open sockets through config.asgi.application; every one is closed after the test."""
    from config.asgi import application

    opened = []

    async def open_socket(path, origin=ORIGIN, headers=(), host=HOST):
        # origin=None: no Origin header, as a program (not a browser) opens a socket.
        origin_header = [] if origin is None else [(b"origin", origin.encode())]
        communicator = WebsocketCommunicator(
            application, path, headers=[(b"host", host.encode()), *origin_header, *headers]
        )
        connected, _ = await communicator.connect()
        opened.append(communicator)
        return communicator, connected

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture(scope="session")
def daphne(demo_daphne):
    """A real Daphne serving this step on 127.0.0.1: the one with the demo users (see there)."""
    return demo_daphne


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


# One for the whole run, not one per module: this step starts several servers of its own, and
# each start costs seconds on a small machine.
@pytest.fixture(scope="session")
def demo_daphne(tmp_path_factory):
    """A real Daphne whose database holds the demo users, stopped after the last test."""
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


# Redis (this step): a redis-server of the tests' own, this process's layer pointed at it, and
# two server processes sharing it.


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis for the whole run: our own redis-server, else REDIS_URL if it answers, else skip.

    Settings were read when pytest started, so the layer of this process is pointed at the
    Redis found here (and REDIS_URL and REDIS_HOST, which the per-user limits use), and
    REDIS_URL is set for every server process the tests start.
    """
    server = None
    if shutil.which("redis-server"):
        server = RedisServer(tmp_path_factory.mktemp("redis"))
        url = server.url
    elif os.environ.get("REDIS_URL") and answers_ping(os.environ["REDIS_URL"]):
        url = os.environ["REDIS_URL"]
    else:
        unavailable(REDIS_HELP)
    layers = override_settings(
        CHANNEL_LAYERS=layers_for(url, os.environ.get("CHANNEL_LAYER")),
        REDIS_URL=url,
        REDIS_HOST=settings_under(REDIS_URL=url)["REDIS_HOST"],
    )
    with pytest.MonkeyPatch.context() as patch:
        try:
            if server:
                server.start()
            patch.setenv("REDIS_URL", url)
            layers.enable()
            yield url
        finally:
            layers.disable()
            if server:
                server.stop()


@pytest.fixture(autouse=True)
def channel_layer_on_redis(request):
    """Every test gets the tests' Redis (the layer and REDIS_URL), unless marked no_redis, and
    a channel layer of its own.

    Each test runs on an event loop of its own, and channels_redis's layer keeps state made on
    one loop: its receive lock and count, its buffers, and a lock per process channel held
    while a message is cleared from its backup. Shared by every test, it once failed a run on a
    busy machine inside the layer's receive: "<asyncio.locks.Lock ...> is bound to a different
    event loop". A server process has one loop; only tests need this, and channels_redis's own
    tests make a layer per test too.
    """
    if request.node.get_closest_marker("no_redis") is None:
        request.getfixturevalue("redis_url")
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_rate_limits(request):
    """Start every test with full message budgets (chat/limits.py), unless marked no_redis.

    The budgets live in Redis, by primary key, and a rolled-back test database hands out the
    same primary keys again: without this, alice of one test would inherit alice's budget of
    the test before, spent a moment ago.
    """
    if request.node.get_closest_marker("no_redis") is not None:
        return
    from chat.limits import KEY_PREFIX

    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        keys = list(client.scan_iter(match=f"{KEY_PREFIX}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="session", params=["core", "pubsub"])
def two_servers(request, tmp_path_factory, redis_url):
    """Two Daphne processes sharing the tests' Redis and one SQLite file, with the demo users.

    Tests that use it run twice: with the core layer, then with CHANNEL_LAYER=pubsub.
    """
    channel_layer = "pubsub" if request.param == "pubsub" else None
    tmp_path = tmp_path_factory.mktemp(f"two-servers-{request.param}")
    with two_servers_sharing(tmp_path, channel_layer) as servers:
        yield servers


# PostgreSQL (this step): a database of the run's own on a server the tests can reach.


@pytest.fixture(scope="session")
def postgres():
    """The URL of a fresh PostgreSQL database for this run, dropped at the end."""
    try:
        import psycopg
    except ImportError:
        unavailable('psycopg is not installed: pip install "psycopg[binary,pool]"')
    server = reachable_postgres()
    if server is None:
        unavailable(POSTGRES_HELP)
    name = f"course_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


# The REST API (this step): a person in each role, a chat channel, DRF's test client.


@pytest.fixture
def people(django_user_model):
    """A member, a message's author and a staff user, by role; none of them logged in."""
    users = django_user_model.objects
    return {
        "member": users.create_user("member"),
        "author": users.create_user("author"),
        "staff": users.create_user("staff", is_staff=True),
    }


@pytest.fixture
def api_as(people):
    """A function: DRF's test client, logged in (a session) as ROLE, or "anonymous"."""
    from rest_framework.test import APIClient

    def client_for(role):
        client = APIClient()
        if role != "anonymous":
            client.force_login(people[role])
        return client

    return client_for


@pytest.fixture
def chat_channel(db):
    """A topic "Testing" with one chat channel, "General"."""
    from api.models import Channel, Topic

    topic = Topic.objects.create(name="Testing", slug="testing")
    return Channel.objects.create(topic=topic, name="General", slug="general")


@pytest.fixture
def channel_deleted_after_its_check(monkeypatch):
    """Make the API's serializer delete the channel right after validation found it: the race
    between checking a message's channel and saving the message."""
    from api.serializers import MessageSerializer

    check = MessageSerializer.validate_channel

    def check_then_delete(self, channel):
        checked = check(self, channel)
        type(channel).objects.filter(pk=channel.pk).delete()
        return checked

    monkeypatch.setattr(MessageSerializer, "validate_channel", check_then_delete)


@pytest.fixture
def message(chat_channel, people):
    """A message by the author in the chat channel."""
    return chat_channel.messages.create(author=people["author"], body="first!")


@pytest.fixture
def token_for(db):
    """A function: the API token key of a user (made on first use), for `Authorization`."""
    from rest_framework.authtoken.models import Token

    def key(user):
        return Token.objects.get_or_create(user=user)[0].key

    return key
