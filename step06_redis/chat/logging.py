"""Logging and error reports: lost messages must not hide at INFO, passwords must not show."""

import logging
import re

from django.views.debug import SafeExceptionReporterFilter


class DroppedMessagesAsWarning(logging.Filter):
    """Raise channels_redis's "channels over capacity" records from INFO to WARNING."""

    def filter(self, record):
        """Keep every record; re-level the ones that report dropped messages."""
        if "over capacity" in str(record.msg):
            record.levelno = logging.WARNING
            record.levelname = "WARNING"
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
