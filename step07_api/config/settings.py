"""Settings for this step. Values that differ in production come from the environment."""

import os
import socket
from pathlib import Path

from redis.exceptions import ConnectionError as RedisConnectionError

from config.database import database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-local-only-never-deploy-this")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    # First, so that `manage.py runserver` is Daphne's and serves WebSockets too.
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "accounts",
    "chat",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "chat.context_processors.process_label",
            ]
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# One SQLite file shared by several server processes: WAL lets readers work while one process
# writes, and IMMEDIATE transactions take the write lock at BEGIN, so two writers queue up
# (for `timeout` seconds) instead of failing with "database is locked" halfway through.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH", BASE_DIR / "db.sqlite3"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
if os.environ.get("DATABASE_URL"):
    DATABASES["default"] = database_from_url(os.environ["DATABASE_URL"])

# Set before the first migration: swapping the user model later means rebuilding the database.
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "index"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `manage.py collectstatic` gathers the static files for nginx to serve (deploy/nginx.conf).
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles")

# Every server process shares one Redis, so a group_send in one process reaches sockets held
# by the others. CHANNEL_LAYER=pubsub picks the Pub/Sub layer instead of the core layer.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_HOST = {
    "address": REDIS_URL,
    # redis-py 8 times out a socket read after 5 s, and the core layer waits for messages with a
    # blocking pop of exactly 5 s: the read loses that race on an idle process, whose sockets
    # then close one by one. 10 s outlasts the pop, and still bounds every other command (a
    # frozen Redis fails a send after 20 s, a read and its one retry, instead of hanging it).
    "socket_timeout": 10,
    # redis-py's async pool stops at 100 connections; a busy process needs more at once.
    "max_connections": 1000,
    # After Redis restarts, the pool still holds connections to the old server: retry a command
    # once on a new connection, instead of failing the handshake or message that drew a stale one.
    "retry_on_error": [RedisConnectionError],
}
if os.environ.get("CHANNEL_LAYER") == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis.pubsub.RedisPubSubChannelLayer, which forgets what it fails to
            # unsubscribe while Redis is away (chat/layers.py).
            "BACKEND": "chat.layers.ForgettingPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_HOST]},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis.core.RedisChannelLayer, with a pool that waits (chat/layers.py).
            "BACKEND": "chat.layers.WaitingRedisChannelLayer",
            # Each process has one Redis queue for all its sockets; `capacity` bounds that
            # queue (default 100: a burst is dropped for every socket of the process, logged
            # at INFO) and `expiry` is how long a queued message may wait (default 60 s:
            # shorter than 2 cores take to deliver a big burst, and dropped without a log).
            # A group send puts one entry in each process's queue, whatever the number of its
            # sockets in the group; a private message is two group sends (both inboxes). Sized
            # for the larger of two bursts: 10 senders x 100 messages into a room (1,000
            # entries) and 20 senders x 100 private messages (2 x 2,000 = 4,000 entries).
            "CONFIG": {"hosts": [REDIS_HOST], "capacity": 4000, "expiry": 300},
        }
    }

# Per-user message limits (chat/limits.py), counted in the layer's Redis so that they hold over
# all of a user's sockets and processes: CHAT_RATE_PER_SECOND messages a second, in bursts of
# CHAT_RATE_BURST. A socket refused CHAT_FLOOD_REFUSALS times within CHAT_FLOOD_SECONDS is
# closed with 4429. Load tests and the live tests raise them (tests/conftest.py's Server).
CHAT_RATE_PER_SECOND = int(os.environ.get("CHAT_RATE_PER_SECOND", "10"))
CHAT_RATE_BURST = int(os.environ.get("CHAT_RATE_BURST", "20"))
CHAT_FLOOD_REFUSALS = int(os.environ.get("CHAT_FLOOD_REFUSALS", "50"))
CHAT_FLOOD_SECONDS = int(os.environ.get("CHAT_FLOOD_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The REST API (api/): a program sends `Authorization: Token <key>` (POST /api/token/ hands one
# out); a page sends its session cookie and, on a POST, its CSRF token. Token first: an anonymous
# request then gets 401 with `WWW-Authenticate: Token`, which tells a program what to send.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only: the browsable API's pages would be one more thing to keep in the page style.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Real-time Django, step 7: the chat's REST API",
    "DESCRIPTION": "Topics hold channels, channels hold messages. Every message created, edited "
    "or deleted here is also sent live to ws://HOST/ws/channels/<id>/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response shapes: `id`, `author` and `created_at` are never sent.
    "COMPONENT_SPLIT_REQUEST": True,
}

# Shown on every page, so two tabs on two ports show two processes.
PROCESS_LABEL = os.environ.get("PROCESS_LABEL") or f"{socket.gethostname()}:{os.getpid()}"

# Behind a proxy that terminates TLS (deploy/nginx.conf, notes/10-deploying.md): DJANGO_HTTPS=1
# trusts its X-Forwarded-Proto, sends cookies over HTTPS only and tells browsers to stay on it.
# A form posted from another origin than the Host (a proxy on another name) must be listed.
CSRF_TRUSTED_ORIGINS = os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
CSRF_TRUSTED_ORIGINS = [origin for origin in CSRF_TRUSTED_ORIGINS if origin]
if os.environ.get("DJANGO_HTTPS") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "3600"))

# The debug page lists every setting: hide the ones that hold URLs (a Redis password, say).
DEFAULT_EXCEPTION_REPORTER_FILTER = "chat.logging.HideUrlSettings"

# Messages the layer drops for a full channel are logged at INFO; show them as WARNING. A lost
# Redis connection is one line, not a traceback (the consumers close their sockets with 4503).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "dropped_as_warning": {"()": "chat.logging.DroppedMessagesAsWarning"},
        "lost_redis_in_one_line": {"()": "chat.logging.LostRedisInOneLine"},
    },
    "formatters": {"level": {"format": "{levelname} {name}: {message}", "style": "{"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["dropped_as_warning", "lost_redis_in_one_line"],
            "formatter": "level",
        },
        "null": {"class": "logging.NullHandler"},
    },
    "loggers": {
        # Anyone can send any Host header. Django answers one outside ALLOWED_HOSTS with a 400,
        # which the access log shows, and would also log it as an ERROR with a traceback.
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
        "channels_redis": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The consumers' warnings, e.g. a socket closed because Redis is unreachable.
        "accounts": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
