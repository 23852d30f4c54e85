"""The demo_users management command: two documented accounts, for a laptop only."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.helpers import DEMO_PASSWORDS, STEP_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_on(settings):
    """DEBUG on, as on a learner's laptop (pytest-django turns it off by default)."""
    settings.DEBUG = True


def demo_users():
    """Run the command; return what it printed."""
    output = StringIO()
    call_command("demo_users", stdout=output)
    return output.getvalue()


def change_adas_password(django_user_model):
    """Make the demo users, then give ada another password, as the password change page does."""
    demo_users()
    ada = django_user_model.objects.get(username="ada")
    ada.set_password("something-else-entirely")
    ada.save()


@pytest.mark.parametrize("username, password", DEMO_PASSWORDS.items())
def test_demo_user_can_log_in_with_the_documented_password(debug_on, client, username, password):
    """ada / ada-demo-password and grace / grace-demo-password log in."""
    demo_users()
    assert client.login(username=username, password=password)


def test_demo_users_prints_each_login(debug_on):
    """The command says whom it created, with the password to type."""
    assert demo_users().splitlines() == [
        "Created demo user ada with password ada-demo-password",
        "Created demo user grace with password grace-demo-password",
    ]


def test_demo_users_twice_does_not_duplicate(debug_on, django_user_model):
    """Running the command again leaves two users, not four."""
    demo_users()
    demo_users()
    assert sorted(django_user_model.objects.values_list("username", flat=True)) == ["ada", "grace"]


def test_demo_users_twice_says_it_kept_them(debug_on):
    """On the second run the passwords already match: the command says it kept the users."""
    demo_users()
    assert demo_users().splitlines() == [
        "Kept demo user ada with password ada-demo-password",
        "Kept demo user grace with password grace-demo-password",
    ]


def test_demo_users_leaves_a_matching_password_alone(debug_on, django_user_model):
    """A password that already matches is not set again: the stored hash stays the same."""
    demo_users()
    before = django_user_model.objects.get(username="ada").password
    demo_users()
    assert django_user_model.objects.get(username="ada").password == before


def test_demo_users_again_keeps_a_session_logged_in(debug_on, client):
    """A browser logged in as ada stays logged in when the command runs again (a restart)."""
    demo_users()
    client.login(username="ada", password="ada-demo-password")
    demo_users()
    assert client.get("/chat/lobby/").status_code == 200


def test_demo_users_resets_a_changed_password(debug_on, client, django_user_model):
    """A demo user whose password was changed gets the documented one back."""
    change_adas_password(django_user_model)
    demo_users()
    assert client.login(username="ada", password="ada-demo-password")


def test_demo_users_says_it_reset_a_changed_password(debug_on, django_user_model):
    """The command says it reset ada, whose password was changed, and kept grace."""
    change_adas_password(django_user_model)
    assert demo_users().splitlines() == [
        "Reset demo user ada with password ada-demo-password",
        "Kept demo user grace with password grace-demo-password",
    ]


def test_demo_users_refuses_when_debug_is_off(settings):
    """With DEBUG off the command stops with a CommandError that says why."""
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        demo_users()
    assert str(refused.value) == (
        "DEBUG is off: demo users with published passwords are for a laptop only."
    )


def test_demo_users_creates_nobody_when_debug_is_off(settings, django_user_model):
    """A refused run leaves the user table as it was."""
    settings.DEBUG = False
    with pytest.raises(CommandError):
        demo_users()
    assert django_user_model.objects.count() == 0


def test_demo_users_refusal_on_the_command_line_is_one_line(tmp_path):
    """`DJANGO_DEBUG=0 python manage.py demo_users` prints one sentence, no traceback, exit 1."""
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_DB_PATH": str(tmp_path / "db.sqlite3")}
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_users"],
        cwd=STEP_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stderr == (
        "CommandError: DEBUG is off: demo users with published passwords are for a laptop only.\n"
    )
    assert result.returncode == 1
