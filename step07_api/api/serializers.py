"""What the API reads and writes: the same JSON for a request, a response and a socket's frame."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from accounts.forms import LoginForm
from api import live
from api.models import Channel, Message, Topic
from chat.frames import MAX_MESSAGE_LENGTH


class StringField(serializers.CharField):
    """DRF's CharField, but for strings only: DRF would save the number 5 as the text "5"."""

    def to_internal_value(self, data):
        """DATA, trimmed, if it is a string; else the field's "Not a valid string." error."""
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TopicSerializer(serializers.ModelSerializer):
    """A topic: its id, name and slug."""

    class Meta:
        model = Topic
        fields = ["id", "name", "slug"]


class ChannelSerializer(serializers.ModelSerializer):
    """A chat channel: its id, its topic's id, its name and slug (unique within the topic)."""

    class Meta:
        model = Channel
        fields = ["id", "topic", "name", "slug"]


class MessageSerializer(serializers.ModelSerializer):
    """A message, as the API and the sockets show it; saving one announces it, after commit.

    `author` is the author's username, read only: the view sets it from request.user, so a
    body that names another author changes nothing.
    """

    author = serializers.CharField(source="author.username", read_only=True)
    # The socket's rules of every step: 1 to 2000 characters once white space is trimmed.
    # DRF's CharField trims, refuses blank text, and refuses NUL and unpaired surrogates
    # (chat/frames.py's unstorable()), which neither PostgreSQL nor the Redis layer can hold.
    body = StringField(max_length=MAX_MESSAGE_LENGTH)

    class Meta:
        model = Message
        fields = ["id", "channel", "author", "body", "created_at"]

    def validate_channel(self, channel):
        """Refuse to move a message: it stays where its readers saw it."""
        if self.instance is not None and channel.pk != self.instance.channel_id:
            raise serializers.ValidationError("A message stays in the channel it was posted in.")
        return channel

    def create(self, validated_data):
        """Save a new message, then announce it to its channel once it is committed.

        The channel may be deleted after validation found it and before the save: the database
        then refuses the row at the commit (its foreign key), which becomes a 400 on the channel,
        as for an unknown one, not a 500, and nothing is announced.
        """
        try:
            with transaction.atomic():
                message = super().create(validated_data)
                live.announce_saved(self.to_representation(message), created=True)
        except IntegrityError:
            if Channel.objects.filter(pk=validated_data["channel"].pk).exists():
                raise  # not the race above: a bug, or a constraint of the caller's
            raise serializers.ValidationError(
                {"channel": ["The chat channel was deleted while the message was being saved."]}
            ) from None
        return message

    def update(self, instance, validated_data):
        """Save an edit, then announce it to the message's channel once it is committed."""
        message = super().update(instance, validated_data)
        live.announce_saved(self.to_representation(message), created=False)
        return message


class TokenSerializer(AuthTokenSerializer):
    """A username and password for a token, checked as the login page checks them.

    The login form counts wrong passwords per username (accounts/forms.py): without it, this
    URL would let a program guess a password as fast as it can send requests.
    """

    def validate(self, attrs):
        """The user, if the login form accepts the username and password; else its errors."""
        form = LoginForm(self.context.get("request"), data=attrs)
        if not form.is_valid():
            errors = {
                "non_field_errors" if field == NON_FIELD_ERRORS else field: messages
                for field, messages in form.errors.items()
            }
            raise serializers.ValidationError(errors, code="authorization")
        return {**attrs, "user": form.get_user()}
