"""DATABASE_URL (postgres://user:password@host:port/name) as a Django DATABASES entry."""

from urllib.parse import unquote, urlsplit

SCHEMES = {"postgres", "postgresql"}


def database_from_url(url):
    """A DATABASES["default"] dict for a PostgreSQL URL; ValueError for any other scheme."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        found = f"{parts.scheme}://" if parts.scheme else repr(url)
        raise ValueError(f"DATABASE_URL must start with postgres://, not {found}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Reuse connections between requests; the ASGI handler closes them when too old.
        "CONN_MAX_AGE": 60,
    }
