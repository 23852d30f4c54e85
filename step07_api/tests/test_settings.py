"""Settings from the environment: Redis, the layer, the process label, the database."""

import os
import re
import socket
import subprocess
import sys

import pytest
from django.db import connection, transaction
from django.db.utils import ConnectionHandler

from tests.helpers import STEP_DIR, settings_under

# config.database is imported inside the tests that use it: on a copy of the step before, which
# lacks it, `course.py check` can still load this file and grade its other tests.

pytestmark = pytest.mark.no_redis

CORE = "chat.layers.WaitingRedisChannelLayer"
PUBSUB = "chat.layers.ForgettingPubSubChannelLayer"


def layer_settings(**env):
    """CHANNEL_LAYERS["default"] as the settings build it with these environment variables."""
    return settings_under(**env)["CHANNEL_LAYERS"]["default"]


def test_redis_url_defaults_to_redis_on_this_machine():
    """Without REDIS_URL, the layer talks to redis://127.0.0.1:6379/0."""
    assert layer_settings(REDIS_URL=None)["CONFIG"]["hosts"][0]["address"] == (
        "redis://127.0.0.1:6379/0"
    )


def test_redis_url_comes_from_the_environment():
    """REDIS_URL, password and database number included, is the layer's address."""
    url = "redis://:s3cret@redis.internal:6380/2"
    assert layer_settings(REDIS_URL=url)["CONFIG"]["hosts"][0]["address"] == url


@pytest.mark.parametrize(
    "channel_layer, backend",
    [(None, CORE), ("pubsub", PUBSUB), ("core", CORE), ("PUBSUB", CORE)],
    ids=["unset", "pubsub", "core", "upper-case"],
)
def test_channel_layer_variable_picks_the_backend(channel_layer, backend):
    """CHANNEL_LAYER=pubsub, exactly, picks the Pub/Sub layer; anything else the core layer."""
    assert layer_settings(CHANNEL_LAYER=channel_layer)["BACKEND"] == backend


def test_core_layer_is_sized_for_the_inbox_burst():
    """The core layer queues up to 4,000 messages a process (20 x 100 private, two each), 300 s."""
    config = layer_settings(CHANNEL_LAYER=None)["CONFIG"]
    assert config["capacity"] == 4000
    assert config["expiry"] == 300


@pytest.mark.parametrize("channel_layer", [None, "pubsub"], ids=["core", "pubsub"])
def test_both_layers_read_for_10_seconds(channel_layer):
    """Both layers' host entries set socket_timeout 10 (redis-py's default is 5): still a bound."""
    host = layer_settings(CHANNEL_LAYER=channel_layer)["CONFIG"]["hosts"][0]
    assert host["socket_timeout"] == 10


@pytest.mark.parametrize("channel_layer", [None, "pubsub"], ids=["core", "pubsub"])
def test_both_layers_allow_1000_connections(channel_layer):
    """Both layers' host entries raise the pool's limit from redis-py's 100 to 1,000."""
    host = layer_settings(CHANNEL_LAYER=channel_layer)["CONFIG"]["hosts"][0]
    assert host["max_connections"] == 1000


def test_process_label_comes_from_the_environment():
    """PROCESS_LABEL names the process on every page."""
    assert settings_under(PROCESS_LABEL="server-8001")["PROCESS_LABEL"] == "server-8001"


def test_process_label_defaults_to_host_and_process_id():
    """Without PROCESS_LABEL, the label is host:pid, different for every process."""
    expected = f"{socket.gethostname()}:{os.getpid()}"
    assert settings_under(PROCESS_LABEL=None)["PROCESS_LABEL"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, who",
    [
        ("/", None),
        ("/accounts/login/", None),
        ("/accounts/signup/", None),
        ("/chat/lobby/", "ada"),
        ("/inbox/", "ada"),
    ],
)
def test_every_page_shows_the_process_label(client, django_user_model, settings, path, who):
    """Each page's footer says which process served it."""
    settings.PROCESS_LABEL = "server-8001"
    if who:
        client.force_login(django_user_model.objects.create_user(who))
    response = client.get(path)
    assert '<code id="process-label">server-8001</code>' in response.content.decode()


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_maps_to_postgresql_settings(scheme):
    """A PostgreSQL URL becomes the DATABASES entry, its percent-encoded password decoded."""
    from config.database import database_from_url

    url = f"{scheme}://chat:p%40ss%3Aw%2Frd@db.internal:5433/realtime"
    assert database_from_url(url) == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "realtime",
        "USER": "chat",
        "PASSWORD": "p@ss:w/rd",
        "HOST": "db.internal",
        "PORT": 5433,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "DISABLE_SERVER_SIDE_CURSORS": False,
        "OPTIONS": {"pool": {"min_size": 2, "max_size": 10, "timeout": 10}},
    }


def test_database_url_keeps_no_persistent_connections():
    """CONN_MAX_AGE is 0: under ASGI a connection kept for the next request is never reused."""
    from config.database import database_from_url

    assert database_from_url("postgres://chat@localhost/realtime")["CONN_MAX_AGE"] == 0


def test_database_url_uses_psycopgs_pool():
    """The PostgreSQL entry asks Django for psycopg's connection pool, bounded to 10."""
    from config.database import database_from_url

    options = database_from_url("postgres://chat@localhost/realtime")["OPTIONS"]
    assert options["pool"]["max_size"] == 10


def test_database_url_without_port_leaves_the_port_empty():
    """No port in the URL: PORT is "", which means PostgreSQL's default, 5432."""
    from config.database import database_from_url

    assert database_from_url("postgres://chat@localhost/realtime")["PORT"] == ""


@pytest.mark.parametrize("url", ["mysql://chat@db/realtime", "sqlite:///db.sqlite3"])
def test_database_url_of_another_kind_is_refused(url):
    """Any other scheme raises ValueError with a sentence that says what is expected."""
    from config.database import database_from_url

    with pytest.raises(ValueError, match=r"^DATABASE_URL must start with postgres://, not \w+://$"):
        database_from_url(url)


def test_database_url_without_a_scheme_is_refused_naming_the_value():
    """A value with no scheme at all is refused with the value itself in the sentence."""
    from config.database import database_from_url

    with pytest.raises(ValueError, match=r"^DATABASE_URL must start with postgres://, not 'db'$"):
        database_from_url("db")


def test_database_url_in_the_environment_replaces_sqlite():
    """With DATABASE_URL set, the default database is PostgreSQL."""
    databases = settings_under(DATABASE_URL="postgres://chat@localhost/realtime")["DATABASES"]
    assert databases["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_sqlite_connection_is_in_wal_mode(tmp_path, django_db_blocker):
    """A connection made from the settings switches its database file to WAL."""
    databases = settings_under(DJANGO_DB_PATH=str(tmp_path / "db.sqlite3"), DATABASE_URL=None)
    handler = ConnectionHandler(databases["DATABASES"])
    with django_db_blocker.unblock():
        try:
            with handler["default"].cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                (mode,) = cursor.fetchone()
        finally:
            handler.close_all()
    assert mode == "wal"


@pytest.mark.django_db(transaction=True)
def test_every_transaction_begins_immediate():
    """transaction.atomic() opens with BEGIN IMMEDIATE: the write lock is taken at the start."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record), transaction.atomic():
        connection.cursor().execute("SELECT 1")
    assert statements[0] == "BEGIN IMMEDIATE"


@pytest.mark.django_db
def test_debug_page_hides_the_redis_password(client, settings):
    """With DEBUG on, the page a bad Host header gets does not show REDIS_URL's password."""
    url = "redis://:s3cret-redis-password@127.0.0.1:6379/0"
    environment = settings_under(REDIS_URL=url)
    settings.DEBUG = True
    settings.REDIS_URL = environment["REDIS_URL"]
    settings.REDIS_HOST = environment["REDIS_HOST"]
    settings.CHANNEL_LAYERS = environment["CHANNEL_LAYERS"]
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert "s3cret-redis-password" not in response.content.decode()


# The warnings `check --deploy` may still give in production, each explained in
# notes/10-deploying.md: HSTS for subdomains and preloading are the domain owner's decisions.
EXPLAINED_DEPLOY_WARNINGS = {"security.W005", "security.W021"}


def test_check_deploy_reports_only_what_the_deploy_note_explains():
    """In production (DEBUG off, HTTPS on, a real secret) check --deploy says only W005 and W021."""
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "1",
        "DJANGO_SECRET_KEY": "a-real-secret-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "chat.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=STEP_DIR,
        env={**os.environ, **production},
        capture_output=True,
        text=True,
    )
    assert set(re.findall(r"\((security\.\w+)\)", result.stderr)) == EXPLAINED_DEPLOY_WARNINGS


@pytest.mark.parametrize("journal_mode, commits", [("delete", False), ("wal", True)])
def test_an_open_reader_blocks_a_writers_commit_unless_wal(tmp_path, journal_mode, commits):
    """In SQLite's default journal a reading transaction stops a writer's commit; WAL does not."""
    import sqlite3

    path = tmp_path / "db.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute(f"PRAGMA journal_mode={journal_mode}")
    setup.execute("CREATE TABLE message (body TEXT)")
    setup.commit()
    setup.close()
    reader = sqlite3.connect(path, timeout=0, isolation_level=None)
    writer = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM message").fetchone()  # holds a read lock
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO message VALUES ('hi')")
        try:
            writer.execute("COMMIT")
            committed = True
        except sqlite3.OperationalError:  # "database is locked"
            committed = False
    finally:
        reader.close()
        writer.close()
    assert committed is commits
