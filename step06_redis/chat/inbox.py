"""Private messages: who may receive them, saving them, and the event both inboxes get."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from chat.frames import BadFrame, clean_message
from chat.models import PrivateMessage


def inbox_group_name(user_id):
    """A user's inbox group, named from the primary key: a username may hold "@" or "+"."""
    return f"inbox.{int(user_id)}"


def clean_recipient(data):
    """The user named by `to`, or BadFrame."""
    if "to" not in data:
        raise BadFrame("missing_recipient", 'The frame has no "to" key.')
    username = data["to"]
    # No username holds NUL, and PostgreSQL would refuse to look one up.
    if not isinstance(username, str) or not username.strip() or "\x00" in username:
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
    return PrivateMessage.objects.create(sender=sender, recipient=recipient, body=body)


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
    """Every private message the user sent or received, oldest first."""
    return PrivateMessage.objects.filter(Q(sender=user) | Q(recipient=user)).select_related(
        "sender", "recipient"
    )
