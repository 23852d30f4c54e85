"""DATABASE_URL (postgres://user:password@host:port/name) as a Django DATABASES entry."""

from urllib.parse import urlsplit

import dj_database_url

POSTGRESQL = "django.db.backends.postgresql"


def database_from_url(url):
    """A DATABASES["default"] dict for a PostgreSQL URL, pooled; ValueError for any other."""
    scheme = urlsplit(url).scheme
    if scheme not in ("postgres", "postgresql"):
        found = f"{scheme}://" if scheme else repr(url)
        raise ValueError(f"DATABASE_URL must start with postgres://, not {found}")
    database = dj_database_url.parse(url)
    # No persistent connections (CONN_MAX_AGE 0): under ASGI each request's sync code runs in a
    # thread of its own, so a connection kept "for the next request" is never reused and stays
    # open. psycopg's pool lends one per request instead and takes it back (pip install
    # "psycopg[binary,pool]"); `timeout` bounds the wait for one when all are lent.
    database["CONN_MAX_AGE"] = 0
    database["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 10, "timeout": 10}}
    return database
