"""HTTP views: the same slow work written as a sync view and as an async view."""

import asyncio
import re
import threading
import time

from django.http import JsonResponse
from django.shortcuts import render

MAX_DELAY = 5
DEFAULT_DELAY = 1.0
# ASCII digits with an optional fraction. float() alone would also take "nan", "inf",
# "1e3", " 2 " and "٣" (Arabic-Indic three).
DELAY_PATTERN = re.compile(r"[0-9]{1,10}(\.[0-9]{1,10})?")


class InFlight:
    """Counts the requests inside their slow part right now, across threads and tasks."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0

    def __enter__(self):
        """Count this request in, and return how many are in flight with it."""
        with self.lock:
            self.count += 1
            return self.count

    def __exit__(self, *exc_info):
        """Count this request out."""
        with self.lock:
            self.count -= 1


in_flight = InFlight()


def index(request):
    """The page that explains the two endpoints and links to them."""
    return render(request, "chat/index.html", {"max_delay": MAX_DELAY})


def parse_delay(request):
    """The requested delay in seconds, or None when it is not a number from 0 to 5."""
    raw = request.GET.get("delay")
    if raw is None:
        return DEFAULT_DELAY
    if not DELAY_PATTERN.fullmatch(raw) or float(raw) > MAX_DELAY:
        return None
    return float(raw)


def bad_delay():
    """The 400 answer for a delay that is not a number from 0 to 5."""
    return JsonResponse(
        {"error": f"delay must be a number of seconds from 0 to {MAX_DELAY}, such as 2.5."},
        status=400,
    )


def answer(view, delay, in_flight_now):
    """The JSON both views answer: which view, how long, on which thread, with how many."""
    return JsonResponse(
        {
            "view": view,
            "delay": delay,
            "thread": threading.current_thread().name,
            "in_flight": in_flight_now,
        }
    )


def sync_view(request):
    """Block this thread for `delay` seconds, as a call to a slow database or API would."""
    delay = parse_delay(request)
    if delay is None:
        return bad_delay()
    with in_flight as in_flight_now:
        time.sleep(delay)
    return answer("sync", delay, in_flight_now)


async def async_view(request):
    """Wait `delay` seconds without blocking: the thread serves other requests meanwhile."""
    delay = parse_delay(request)
    if delay is None:
        return bad_delay()
    with in_flight as in_flight_now:
        await asyncio.sleep(delay)
    return answer("async", delay, in_flight_now)
