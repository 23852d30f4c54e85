"""Sign-up and password change; login and logout are Django's own views (see accounts/urls.py)."""

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render

from accounts.forms import SignupForm
from accounts.sessions import end_user_sessions


def signup(request):
    """Create an account, log it in, and go to the room picker."""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user)
            return redirect("index")
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also closes the sockets of the user's other sessions."""

    def form_valid(self, form):
        """Change the password, then close every socket but this session's."""
        # Django logs the other sessions out over HTTP (their auth hash no longer matches);
        # their open sockets never make another request, so they are closed here.
        response = super().form_valid(form)
        end_user_sessions(form.user.pk, keep=self.request.session)
        return response
