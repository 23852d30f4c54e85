"""The sign-up form, bound to the custom user model, and a login form that slows guessing down."""

import hashlib

from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import User

# After this many wrong passwords for one username, that username cannot log in for a while.
MAX_FAILED_LOGINS = 10
LOCKOUT_SECONDS = 300


class SignupForm(UserCreationForm):
    """A username and a password typed twice, checked by AUTH_PASSWORD_VALIDATORS."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)


class LoginForm(AuthenticationForm):
    """Django's login form, which refuses a username after too many wrong passwords.

    Counted per username in Django's cache (this process's memory, unless CACHES says
    otherwise), so guessing one account's password is slow whoever guesses, from wherever. The
    price: a stranger can lock an account out for a while; sites that mind count per address.
    """

    def clean(self):
        """Refuse a locked-out username; otherwise check the password, counting a failure."""
        key = failed_logins_key(self.cleaned_data.get("username", ""))
        if cache.get(key, 0) >= MAX_FAILED_LOGINS:
            minutes = LOCKOUT_SECONDS // 60
            raise ValidationError(
                f"Too many failed logins for this username. Try again in {minutes} minutes.",
                code="too_many_failed_logins",
            )
        try:
            return super().clean()
        except ValidationError:
            try:
                cache.incr(key)
            except ValueError:  # no count yet, or it expired a moment ago
                cache.set(key, 1, LOCKOUT_SECONDS)
            raise


def failed_logins_key(username):
    """The cache key counting a username's failed logins (hashed: a key has a length limit)."""
    return "failed-logins." + hashlib.sha256(username.lower().encode()).hexdigest()
