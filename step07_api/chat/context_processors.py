"""Template variables every page gets."""

from django.conf import settings


def process_label(request):
    """Which server process rendered the page (PROCESS_LABEL, or host:pid)."""
    return {"process_label": settings.PROCESS_LABEL}
