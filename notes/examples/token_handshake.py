"""A token on the WebSocket handshake, in the query string or in Sec-WebSocket-Protocol.

From the top of the repository, with the course's virtualenv active:

    python notes/examples/token_handshake.py                 # serves http://127.0.0.1:8020/
    python notes/examples/token_handshake.py --port 8021

Open the page, pick where the token goes and connect: the log shows the socket's events, and
the terminal shows Daphne's access log. Ctrl-C stops it. notes/05-auth-over-websockets.md
explains it.
"""

import argparse
import json
import sys
from urllib.parse import parse_qs

import django
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="only-for-this-example",
    MIDDLEWARE=[],
)
django.setup()

# Who each token stands for. A real app keeps tokens in its database, hashed like passwords.
DEMO_TOKENS = {"t0k3n-ada": "ada", "t0k3n-grace": "grace"}

PAGE = """<!doctype html>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A token on the handshake</title>
<form id="connect">
  <p><label>Token <input id="token" value="t0k3n-ada"></label></p>
  <p><label>Sent in <select id="where">
    <option value="query">the query string</option>
    <option value="protocol">Sec-WebSocket-Protocol</option>
    <option value="no-echo">Sec-WebSocket-Protocol, not echoed (the mistake)</option>
  </select></label></p>
  <p><button>Connect</button></p>
</form>
<ul id="log"></ul>
<script>
  function log(text) {
    const item = document.createElement("li");
    item.textContent = text;
    document.getElementById("log").append(item);
  }
  document.getElementById("connect").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = document.getElementById("token").value;
    const where = document.getElementById("where").value;
    const url = `ws://${location.host}/ws/whoami/`;
    let socket;
    try {
      if (where === "query") {
        socket = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
      } else {
        socket = new WebSocket(where === "no-echo" ? `${url}no-echo/` : url, [token]);
      }
    } catch (error) {
      log(`${error.name}: ${error.message}`); // a token that cannot be a subprotocol
      return;
    }
    log("connecting");
    socket.addEventListener("open", () => log(`open, protocol "${socket.protocol}"`));
    socket.addEventListener("message", (event) => log(`message: ${event.data}`));
    socket.addEventListener("error", () => log("error"));
    socket.addEventListener("close", (event) => log(`close ${event.code}`));
  });
</script>
"""


class WhoAmIConsumer(AsyncWebsocketConsumer):
    """Tells a socket whose token it brought; refuses a handshake without a known token."""

    def token(self):
        """The token in the query string (?token=…), or else the first subprotocol offered."""
        query = parse_qs(self.scope["query_string"].decode())
        if "token" in query:
            return query["token"][0]
        if self.scope["subprotocols"]:
            return self.scope["subprotocols"][0]
        return None

    async def connect(self):
        """Accept a known token and say whose it is; refuse the handshake otherwise."""
        token = self.token()
        user = DEMO_TOKENS.get(token)
        if user is None:
            await self.close()  # before accept: Daphne answers the handshake with a 403
            return
        # A browser that offered subprotocols fails the handshake unless the answer names one.
        await self.accept(subprotocol=token if token in self.scope["subprotocols"] else None)
        await self.send(text_data=json.dumps({"user": user}))


class NoEchoConsumer(WhoAmIConsumer):
    """The mistake this example shows: accepting a subprotocol token without naming it."""

    async def accept(self, subprotocol=None, headers=None):
        """Accept, but leave Sec-WebSocket-Protocol out of the answer."""
        await super().accept(subprotocol=None, headers=headers)


def page(request):
    """The page that connects."""
    return HttpResponse(PAGE)


urlpatterns = [path("", page)]
websocket_urlpatterns = [
    path("ws/whoami/", WhoAmIConsumer.as_asgi()),
    path("ws/whoami/no-echo/", NoEchoConsumer.as_asgi()),
]
# No origin check, to stay short: the token is the only credential here, and a page on another
# site has to send it itself. A real app keeps the check of the course's config/asgi.py
# (SameOriginValidator) because its sockets also take the session cookie, which the browser
# attaches to a handshake whatever page starts it.
application = ProtocolTypeRouter(
    {"http": get_asgi_application(), "websocket": URLRouter(websocket_urlpatterns)}
)


def main():
    """Serve the app with Daphne on 127.0.0.1 until Ctrl-C or SIGTERM, with its access log."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8020)
    args = parser.parse_args()
    from daphne.access import AccessLogGenerator
    from daphne.server import Server  # installs Twisted's asyncio reactor: import it last

    print(f"Serving on http://127.0.0.1:{args.port}/ (Ctrl-C quits)", flush=True)
    Server(
        application,
        endpoints=[f"tcp:port={args.port}:interface=127.0.0.1"],
        action_logger=AccessLogGenerator(sys.stdout),
    ).run()


if __name__ == "__main__":
    main()
