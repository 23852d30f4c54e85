"""Logging for the channel layer: lost messages must not hide at INFO."""

import logging


class DroppedMessagesAsWarning(logging.Filter):
    """Raise channels_redis's "channels over capacity" records from INFO to WARNING."""

    def filter(self, record):
        """Keep every record; re-level the ones that report dropped messages."""
        if "over capacity" in str(record.msg):
            record.levelno = logging.WARNING
            record.levelname = "WARNING"
        return True
