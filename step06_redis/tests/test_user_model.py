"""The custom user model, in place from the first migration."""

import importlib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.management import call_command
from django.db import migrations


def test_user_model_is_accounts_user():
    """get_user_model() is the project's accounts.User, not django.contrib.auth's User."""
    from accounts.models import User

    assert get_user_model() is User


def test_user_model_is_an_abstract_user():
    """accounts.User is Django's usual user (AbstractUser): username, password, names, email."""
    assert issubclass(get_user_model(), AbstractUser)


def test_first_accounts_migration_creates_the_user_model():
    """accounts/migrations/0001_initial.py is an initial migration that creates User."""
    first = importlib.import_module("accounts.migrations.0001_initial").Migration
    created = [op.name for op in first.operations if isinstance(op, migrations.CreateModel)]
    assert (first.initial, created) == (True, ["User"])


@pytest.mark.django_db  # makemigrations checks the migration history in the database
def test_models_and_migrations_agree():
    """makemigrations --check --dry-run finds nothing to write (its exit status is 0)."""
    output = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=output)
    assert output.getvalue().strip() == "No changes detected"
