"""Sending what changed in a chat channel to every socket watching it, once it is committed."""

import json
from functools import partial

from django.db import transaction

from accounts.sessions import send


def channel_group_name(channel_id):
    """The group of the sockets watching a chat channel, named from its primary key."""
    return f"channel.{int(channel_id)}"


def message_frame(frame_type, data):
    """The frame of a message: its API JSON (DATA), under the frame's type."""
    return {
        "type": frame_type,
        "id": data["id"],
        "channel": data["channel"],
        "author": data["author"],
        "body": data["body"],
        "created_at": data["created_at"],
    }


def announce(channel_id, frame):
    """Send FRAME to the channel's sockets in every process, after the current transaction.

    On commit, not now: a socket must never show a message that a rollback then unmakes, and
    one that reads it back (GET /api/messages/<id>/) must find it. Outside a transaction
    (Django's autocommit), the write is already committed and the frame goes at once.
    """
    event = {
        # The event type is chosen here, never taken from a client.
        "type": "channel.update",
        # Encoded to JSON once, here, not once per socket (step 6's consumers do the same).
        "text": json.dumps(frame),
    }
    # accounts.sessions.send: async_to_sync(group_send) from sync code, and a warning, not an
    # error, when Redis is unreachable: the message is saved, and shows up on the next load.
    transaction.on_commit(partial(send, channel_group_name(channel_id), event))


def announce_saved(data, created):
    """After commit, send a message's DATA (its API JSON) to its channel: created, or edited."""
    announce(data["channel"], message_frame("message" if created else "message_edited", data))


def announce_deleted(channel_id, message_id):
    """After commit, tell a channel that one of its messages was deleted."""
    announce(channel_id, {"type": "message_deleted", "id": int(message_id)})
