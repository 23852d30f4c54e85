"""What names a session's group of sockets, and what ends them: logout, deactivation, deletion."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.sessions import end_session, end_user_sessions, name_session_group


@receiver(user_logged_in)
def name_the_sessions_group(sender, request, user, **kwargs):
    """Each login starts a session with a group of its own for the sockets it opens."""
    # channels.auth.login() (a login over a socket) sends this signal with no request.
    if request is not None:
        name_session_group(request.session)


@receiver(user_logged_out)
def close_sockets_of_the_session(sender, request, user, **kwargs):
    """A logout closes the sockets opened with that session (sent before the session is flushed)."""
    if request is not None:
        end_session(request.session)


@receiver(post_save, sender=get_user_model())
def close_sockets_of_an_inactive_user(sender, instance, **kwargs):
    """A user saved as inactive loses every socket: `is_active` is checked only at login."""
    if not instance.is_active:
        end_user_sessions(instance.pk)


@receiver(post_delete, sender=get_user_model())
def close_sockets_of_a_deleted_user(sender, instance, **kwargs):
    """A deleted user loses every socket."""
    end_user_sessions(instance.pk)
