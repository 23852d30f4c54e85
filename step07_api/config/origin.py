"""The origin check for WebSocket handshakes: the rule Django's CSRF check applies to a POST."""

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


class SameOriginValidator:
    """Let a handshake through only from a page of this site's own origin, or a trusted one."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        """Pass a same-origin handshake on to the application; refuse any other (HTTP 403)."""
        if scope["type"] != "websocket":
            raise ValueError("You cannot use SameOriginValidator on a non-WebSocket connection")
        if self.valid_origin(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

    def valid_origin(self, scope):
        """Whether Origin is the scheme and Host this handshake came to, or a trusted origin."""
        headers = {key.decode("latin1"): value.decode("latin1") for key, value in scope["headers"]}
        origin, host = headers.get("origin"), headers.get("host", "")
        # As request.get_host() does: a Host that is not in ALLOWED_HOSTS is not this site.
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:
            allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
        domain, _ = split_domain_port(host)
        if origin is None or not domain or not validate_host(domain, allowed_hosts):
            return False
        # Scheme and port count, as in CsrfViewMiddleware._origin_verified: a page served from
        # another port of this host is another origin (AllowedHostsOriginValidator lets it in).
        own_origin = f"{self.scheme(scope, headers)}://{host}"
        return origin == own_origin or origin in settings.CSRF_TRUSTED_ORIGINS

    def scheme(self, scope, headers):
        """Return "https" if the browser made this handshake over TLS, else "http"."""
        if settings.SECURE_PROXY_SSL_HEADER:
            # Daphne puts no "scheme" in a WebSocket scope, not even with --proxy-headers: behind
            # a proxy that ends TLS, believe its header as Django does for HTTP requests.
            name, secure_value = settings.SECURE_PROXY_SSL_HEADER
            value = headers.get(name.removeprefix("HTTP_").replace("_", "-").lower())
            if value is not None:
                return "https" if value.split(",")[0].strip() == secure_value else "http"
        return "https" if scope.get("scheme", "ws") == "wss" else "http"
