"""Create the two demo accounts a learner logs in with."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

DEMO_USERS = {"ada": "ada-demo-password", "grace": "grace-demo-password"}


class Command(BaseCommand):
    help = (
        "Create the demo users ada and grace, or reset a password that was changed. "
        "Refuses to run when DEBUG is off."
    )

    def handle(self, *args, **options):
        """Create each demo user, or reset a password that was changed; print the logins."""
        if not settings.DEBUG:
            raise CommandError(
                "DEBUG is off: demo users with published passwords are for a laptop only."
            )
        for username, password in DEMO_USERS.items():
            user, created = User.objects.get_or_create(username=username)
            if user.check_password(password):
                verb = "Kept"
            else:
                # Only when it does not match: a new hash, even of the same password, logs the
                # user out of every session, and `course.py run` runs this at every start.
                user.set_password(password)
                user.save()
                verb = "Created" if created else "Reset"
            self.stdout.write(f"{verb} demo user {username} with password {password}")
