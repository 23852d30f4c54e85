"""Room names, and the channel-layer group name each room uses."""

import re

# ASCII on purpose: Python's \w also matches "é" or "字", which a group name cannot hold.
ROOM_NAME = "[A-Za-z0-9_-]{1,50}"
ROOM_NAME_RE = re.compile(ROOM_NAME)


def is_valid_room_name(name):
    """True when `name` is 1-50 of A-Z a-z 0-9 _ - and nothing else."""
    return ROOM_NAME_RE.fullmatch(name) is not None


def room_group_name(name):
    """The group for a room: a fixed prefix and the validated ASCII name, under 100 characters."""
    if not is_valid_room_name(name):
        raise ValueError(f"invalid room name: {name!r}")
    return f"chat.room.{name}"
