"""Ending sockets with their session: the groups every logged-in socket joins, and the events.

`scope["user"]` is read once, at the handshake, and nothing in Channels looks at the session
again. So every logged-in socket joins two groups, and whatever ends a session sends to them:
a logout to the session's group, a password change or a deactivation to the user's group.
"""

import logging
import secrets

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# The close code for "your session has ended": an application may close with 1000 or with
# 3000-4999 (4000-4999 are for private use); 4401 echoes HTTP's 401. Pages never retry after it.
LOGGED_OUT = 4401

# Where a session keeps the name of its sockets' group. Not the session key: the key is a
# credential, group names are stored in the channel layer (Redis, from step 6 on), and a password
# change gives the session a new key but must keep its sockets.
SESSION_GROUP = "socket_group"


def name_session_group(session):
    """Give a session that has just logged in a random group name of its own."""
    session[SESSION_GROUP] = "session." + secrets.token_hex(16)


def user_group_name(user_id):
    """The group of every socket a user has open, in every session."""
    return f"user.{int(user_id)}"


def end_session(session):
    """Close the sockets opened with this session, in every process (sync code)."""
    if SESSION_GROUP in session:
        send(session[SESSION_GROUP], {"type": "session.ended"})


def end_user_sessions(user_id, keep=None):
    """Close a user's sockets in every process, but those of session `keep` (sync code)."""
    keep_group = keep.get(SESSION_GROUP) if keep is not None else None
    send(user_group_name(user_id), {"type": "user.sessions_ended", "keep": keep_group})


def send(group, event):
    """Send an event to a group from sync code: a view, a signal receiver, a command."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except (RedisConnectionError, RedisTimeoutError) as error:
        # The logout or password change itself stands. On the core layer the sockets lost Redis
        # too and were closed with 4503; an idle Pub/Sub socket can outlive both, see note 09.
        logger.warning("Redis is unreachable; %s not sent to %s: %s", event["type"], group, error)
