"""The project's user model, in place before the first migration."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Django's usual user, under the project's name so it can grow fields later."""
