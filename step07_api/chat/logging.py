"""Logging and error reports: lost messages must not hide at INFO, passwords must not show."""

import logging
import re

from django.views.debug import SafeExceptionReporterFilter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class DroppedMessagesAsWarning(logging.Filter):
    """Raise channels_redis's "channels over capacity" records from INFO to WARNING."""

    def filter(self, record):
        """Keep every record; re-level the ones that report dropped messages."""
        if "over capacity" in str(record.msg):
            record.levelno = logging.WARNING
            record.levelname = "WARNING"
        return True


class LostRedisInOneLine(logging.Filter):
    """Print channels_redis's reports of an unreachable Redis as one line, not a traceback.

    The Pub/Sub layer's reader logs one every second while Redis is down, and one for each
    socket that ends meanwhile; the consumers already log a warning for each socket they close.
    """

    def filter(self, record):
        """Keep every record; fold a lost Redis connection's traceback into one line."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (RedisConnectionError, RedisTimeoutError)):
            record.msg, record.args = f"{record.getMessage().rstrip(':')}: {error}", None
            record.exc_info = record.exc_text = None
        return True


class HideUrlSettings(SafeExceptionReporterFilter):
    """Also hide, on the debug page and in error reports, settings that hold service URLs.

    Django hides settings whose names look secret (KEY, PASS, TOKEN, ...). REDIS_URL does not,
    yet may hold a password, and CHANNEL_LAYERS and DATABASES are built from such URLs.
    """

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|REDIS|CHANNEL_LAYERS|DATABASE",
        flags=re.IGNORECASE,
    )
