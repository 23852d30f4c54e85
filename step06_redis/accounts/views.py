"""Sign-up; login and logout are Django's own views (see accounts/urls.py)."""

from django.contrib.auth import login
from django.shortcuts import redirect, render

from accounts.forms import SignupForm


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
