"""HTTP views."""

from django.shortcuts import render


def index(request):
    """The echo client page."""
    return render(request, "chat/index.html")
