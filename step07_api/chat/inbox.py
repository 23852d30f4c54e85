"""Private messages: who may receive them, saving them, the event both inboxes get, reading them."""

import re
from urllib.parse import parse_qs

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.db.models import Max, Q

from chat.frames import BadFrame, clean_message, unstorable
from chat.models import PrivateMessage

PAGE_SIZE = 50  # messages on one inbox page
REPLAY_LIMIT = 500  # messages a reconnecting socket gets; beyond that, the page reloads instead
CORRESPONDENTS = 50  # usernames the "To" field suggests
# The largest id a 64-bit primary key holds: a bigger one in a URL means "beyond every message",
# and is never handed to the database (SQLite and PostgreSQL both refuse it).
LARGEST_ID = 2**63 - 1
ASCII_DIGITS = re.compile(r"[0-9]+")  # not \d or str.isdigit(): they accept "١" and "٣" too


def inbox_group_name(user_id):
    """A user's inbox group, named from the primary key: a username may hold "@" or "+"."""
    return f"inbox.{int(user_id)}"


def clean_recipient(data):
    """The user named by `to`, or BadFrame."""
    if "to" not in data:
        raise BadFrame("missing_recipient", 'The frame has no "to" key.')
    username = data["to"]
    # No username holds NUL or an unpaired surrogate, and the database would refuse to look
    # one up.
    if not isinstance(username, str) or not username.strip() or unstorable(username):
        raise BadFrame("invalid_recipient", '"to" must be a username.')
    username = username.strip()
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise BadFrame("unknown_recipient", f"There is no user named {username!r}.") from None


def save_private_message(sender, data):
    """Check `to` and `message`, then save the message (sync: call it from a thread)."""
    recipient = clean_recipient(data)
    body = clean_message(data)
    try:
        return PrivateMessage.objects.create(sender=sender, recipient=recipient, body=body)
    except IntegrityError:
        # The sender or the recipient was deleted a moment ago (the sender's sockets are being
        # closed with 4401): refuse the message instead of crashing the consumer.
        detail = "The message was not saved: its sender or its recipient no longer exists."
        raise BadFrame("not_saved", detail) from None


def private_event(message):
    """The channel-layer event for a saved message; its type is always "inbox.private"."""
    return {
        "type": "inbox.private",
        "id": message.id,
        "from": message.sender.username,
        "to": message.recipient.username,
        "message": message.body,
        "sent_at": message.sent_at.isoformat(),
    }


def delivery_groups(message):
    """The inbox groups that get a message: the sender's and the recipient's (once if equal)."""
    return sorted({inbox_group_name(message.sender_id), inbox_group_name(message.recipient_id)})


def history(user):
    """Every private message the user sent or received, oldest first (a query: slice it)."""
    return PrivateMessage.objects.filter(Q(sender=user) | Q(recipient=user)).select_related(
        "sender", "recipient"
    )


def parse_id(text):
    """TEXT as a message id (ASCII digits only), or None; anything larger is LARGEST_ID."""
    if not ASCII_DIGITS.fullmatch(text):
        return None
    digits = text.lstrip("0") or "0"
    # int() of thousands of digits is slow, and Python refuses it: compare lengths first.
    if len(digits) > len(str(LARGEST_ID)):
        return LARGEST_ID
    return min(int(digits), LARGEST_ID)


def page_before(user, before=None, size=PAGE_SIZE):
    """The user's SIZE messages before id BEFORE (else the newest), oldest first; any older?"""
    messages = history(user).order_by("-id")
    if before is not None:
        messages = messages.filter(id__lt=before)
    # One more than a page says whether there are older ones.
    newest = list(messages[: size + 1])
    return newest[:size][::-1], len(newest) > size


def after_from_query(query_string):
    """The `after` id in a socket's query string (bytes), None when there is none, or BadFrame."""
    found = parse_qs(query_string.decode("latin-1"), keep_blank_values=True).get("after")
    if found is None:
        return None
    after = parse_id(found[0]) if len(found) == 1 else None
    if after is None:
        detail = '"after" must be one message id, written with the digits 0 to 9, like ?after=42.'
        raise BadFrame("invalid_after", detail)
    return after


def messages_after(user, after, limit=REPLAY_LIMIT):
    """Events of the user's messages after id AFTER, oldest first, at most LIMIT; any more?"""
    found = list(history(user).filter(id__gt=after).order_by("id")[: limit + 1])
    return [private_event(message) for message in found[:limit]], len(found) > limit


def correspondents(user, limit=CORRESPONDENTS):
    """The usernames of the people the user last exchanged messages with, most recent first."""
    # Each query is bounded: the LIMIT most recent of each direction hold the LIMIT most recent
    # of both.
    sent = user.sent_messages.exclude(recipient=user).values_list("recipient")
    received = user.received_messages.exclude(sender=user).values_list("sender")
    latest = {}
    for messages in (sent, received):
        for other, last in messages.annotate(last=Max("id")).order_by("-last")[:limit]:
            latest[other] = max(last, latest.get(other, 0))
    recent = sorted(latest, key=latest.get, reverse=True)[:limit]
    names = dict(get_user_model().objects.filter(pk__in=recent).values_list("pk", "username"))
    return [names[pk] for pk in recent]
