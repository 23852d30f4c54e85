"""The custom user model, in place from the first migration."""

import importlib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import migrations

# AbstractUser is imported inside the test that uses it: on a copy of step 3, which has no auth
# app, `course.py check` can still load this file and grade its other tests.


def test_user_model_is_accounts_user():
    """get_user_model() is the project's accounts.User, not django.contrib.auth's User."""
    from accounts.models import User

    assert get_user_model() is User


def test_user_model_is_an_abstract_user():
    """accounts.User is Django's usual user (AbstractUser): username, password, names, email."""
    from django.contrib.auth.models import AbstractUser

    assert issubclass(get_user_model(), AbstractUser)


def test_first_accounts_migration_creates_the_user_model():
    """accounts/migrations/0001_initial.py is an initial migration that creates User."""
    first = importlib.import_module("accounts.migrations.0001_initial").Migration
    created = [op.name for op in first.operations if isinstance(op, migrations.CreateModel)]
    assert first.initial, "0001_initial is not marked initial = True"
    assert created == ["User"]


@pytest.mark.django_db  # makemigrations checks the migration history in the database
def test_models_and_migrations_agree():
    """makemigrations --check --dry-run finds nothing to write (its exit status is 0)."""
    output = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=output)
    assert output.getvalue().strip() == "No changes detected"


def test_builtin_user_model_is_swapped_out():
    """django.contrib.auth's own User has no manager here: code must ask get_user_model()."""
    from django.contrib.auth.models import User

    with pytest.raises(AttributeError, match="'auth.User' has been swapped for 'accounts.User'"):
        User.objects.count()


def test_djangos_user_creation_form_breaks_on_a_swapped_model():
    """UserCreationForm is bound to auth.User, so validating it here raises AttributeError."""
    from django.contrib.auth.forms import UserCreationForm

    form = UserCreationForm(
        data={
            "username": "linus",
            "password1": "a-long-passphrase",
            "password2": "a-long-passphrase",
        }
    )
    with pytest.raises(AttributeError):
        form.is_valid()


def test_signup_form_is_bound_to_the_custom_model():
    """SignupForm points its Meta.model at accounts.User, so it creates the project's users."""
    from accounts.forms import SignupForm

    assert SignupForm._meta.model is get_user_model()
