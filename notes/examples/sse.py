"""Server-sent events from a one-file Django app: an async view streams, no Channels needed.

From the top of the repository, with the course's virtualenv active:

    python notes/examples/sse.py                 # serves http://127.0.0.1:8010/
    python notes/examples/sse.py --port 8011

Open the page to watch the ticks arrive, or run `curl -N http://127.0.0.1:8010/events/` to see
the stream itself. Ctrl-C stops it. notes/07-sync-and-async.md explains it.
"""

import argparse
import asyncio
import itertools
from datetime import UTC, datetime

import django
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="only-for-this-example",
    MIDDLEWARE=[],
)
django.setup()

PAGE = """<!doctype html>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Server-sent events</title>
<p id="status">connecting</p>
<ul id="ticks"></ul>
<script>
  const status = document.getElementById("status");
  const source = new EventSource("/events/"); // reconnects by itself, with Last-Event-ID
  source.addEventListener("open", () => { status.textContent = "open"; });
  source.addEventListener("error", () => { status.textContent = "reconnecting"; });
  source.addEventListener("tick", (event) => {
    const item = document.createElement("li");
    item.textContent = `${event.lastEventId}: ${event.data}`;
    document.getElementById("ticks").append(item);
  });
</script>
"""


async def ticks(first):
    """One `tick` event a second, numbered from FIRST, for as long as the client listens."""
    for number in itertools.count(first):
        now = datetime.now(UTC).isoformat(timespec="seconds")
        yield f"id: {number}\nevent: tick\ndata: {now}\n\n"
        await asyncio.sleep(1)


async def events(request):
    """The stream: an async view whose response never ends until the client goes away."""
    # A browser that reconnects sends the id of the last event it saw.
    last = request.headers.get("Last-Event-ID", "0")
    first = int(last) + 1 if last.isdigit() else 1
    response = StreamingHttpResponse(ticks(first), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # tells nginx not to buffer the stream
    return response


def page(request):
    """The page that listens."""
    return HttpResponse(PAGE)


urlpatterns = [path("", page), path("events/", events)]
application = get_asgi_application()


def main():
    """Serve the app with Daphne on 127.0.0.1 until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8010)
    args = parser.parse_args()
    from daphne.server import Server  # installs Twisted's asyncio reactor: import it last

    print(f"Serving on http://127.0.0.1:{args.port}/ (Ctrl-C quits)", flush=True)
    Server(application, endpoints=[f"tcp:port={args.port}:interface=127.0.0.1"]).run()


if __name__ == "__main__":
    main()
