"""The project's user model, in place before the first migration."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models


class User(AbstractUser):
    """Django's usual user, under the project's name so it can grow fields, with ASCII usernames."""

    # Django's default validator takes any Unicode letter, so "аlice" (with a Cyrillic "а") could
    # sign up beside "alice" and look the same in every message. AbstractUser's field already
    # holds its own validator: setting `username_validator` alone would change nothing, so the
    # field is declared again (and migration 0002 says so).
    username_validator = ASCIIUsernameValidator()
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="Required. 150 characters or fewer. ASCII letters, digits and @/./+/-/_ only.",
        validators=[username_validator],
        error_messages={"unique": "A user with that username already exists."},
    )
