"""Private messages, saved before they are delivered."""

from django.conf import settings
from django.db import models


class PrivateMessage(models.Model):
    """One message from one user to another."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="received_messages"
    )
    body = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self):
        return f"{self.sender} → {self.recipient}: {self.body[:30]}"
