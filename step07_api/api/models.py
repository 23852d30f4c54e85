"""Topic → Channel → Message: the chat the API serves.

A `Channel` here is a chat channel, a place to talk, named by people. It is not a channel-layer
channel (`self.channel_name` in a consumer: one socket's mailbox), nor a group; the sockets
watching a chat channel join a group named from its primary key (api/live.py).
"""

from django.conf import settings
from django.db import models

from chat.frames import MAX_MESSAGE_LENGTH


class Topic(models.Model):
    """A subject, holding channels: "Django", say."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)  # ASCII: it is part of the channel pages' URLs

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Channel(models.Model):
    """A place to talk within a topic: "channels" in "Django", say."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=100)
    slug = models.SlugField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # Two topics may each have a "general"; one topic may not have two.
            models.UniqueConstraint(fields=["topic", "slug"], name="unique_channel_slug_per_topic")
        ]

    def __str__(self):
        return f"{self.topic.slug}/{self.slug}"


class Message(models.Model):
    """One message in a channel, by its author."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_messages"
    )
    # The serializer trims it and checks it (1 to 2000 characters, no NUL): api/serializers.py.
    body = models.TextField(max_length=MAX_MESSAGE_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]  # the order they were saved in: newest last

    def __str__(self):
        return f"{self.author} in {self.channel}: {self.body[:30]}"
