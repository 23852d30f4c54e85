"""What ends the sockets a program opened with a token: deleting the token."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from accounts.sessions import send
from accounts.tokens import token_group_name


@receiver(post_delete, sender=Token)
def close_sockets_of_a_deleted_token(sender, instance, **kwargs):
    """A deleted token closes, with 4401, the sockets opened with it, as a logout does."""
    send(token_group_name(instance.key), {"type": "session.ended"})
