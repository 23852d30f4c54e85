"""What a handshake's session and user lookup costs, with step 6's sessions and with cached ones.

Every logged-in handshake runs Channels' `get_user(scope)` once: in the one thread that runs
database code, it opens a database connection (CONN_MAX_AGE is 0), reads the session, reads the
user, and closes the connection. This times that call, awaited as AuthMiddleware awaits it, one
after another, on step 6's project with a fresh SQLite file and a redis-server of its own:

- "step 6": sessions in the database (Django's default, and step 6's);
- "cached_db": Django's `cached_db` sessions, read from a Redis cache (a RedisCache on the same
  redis-server), falling back to the database;
- "kept connection": step 6's sessions with one connection kept open throughout, which is not
  how consumers run: it shows what opening and closing the connection costs.

It prints the median of --rounds interleaved rounds, in microseconds a lookup, and the lowest
and highest: the wall time, which includes each call's two hops between the event loop and the
database thread, and the CPU time of the process (both threads). notes/12-performance.md has
the figures. From the top of the repository, with the course's virtualenv active:

    python bench/lookup.py
    python bench/lookup.py --lookups 500 --rounds 1     # a quick look
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import Redis, step_dir  # noqa: E402

VARIANTS = ["step 6", "cached_db", "kept connection"]


def set_up(folder, redis_url):
    """Set Django up on step 6's project, on a fresh SQLite file; a logged-in user's session key."""
    os.chdir(step_dir(6))
    sys.path.insert(0, str(step_dir(6)))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DB_PATH=str(Path(folder) / "db.sqlite3"),
        REDIS_URL=redis_url,
    )
    import django
    from django.conf import settings

    django.setup()
    # cached_db reads the "default" cache: Redis, on the step's redis-server.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("ada", password="lookup-bench-password")
    return user


def session_key(user, store):
    """A session of STORE's kind in which USER is logged in, as the login view leaves it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


async def timed(store, key, lookups):
    """(Wall µs, CPU µs) per `await get_user(scope)`, the session being STORE(KEY), and the
    database connections opened meanwhile.

    CPU counts every thread of this process: the event loop's and the database thread's.
    """
    from channels.auth import get_user
    from django.db.backends.signals import connection_created

    opened = []

    def count(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(count)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        for _ in range(lookups):
            user = await get_user({"session": store(key)})
            assert user.is_authenticated, "the lookup did not find the logged-in user"
    finally:
        connection_created.disconnect(count)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return 1e6 * wall / lookups, 1e6 * cpu / lookups, len(opened)


def measure(user, variant, lookups):
    """One round of LOOKUPS lookups of VARIANT: (wall µs, CPU µs) each, connections opened."""
    from django.contrib.sessions.backends import cached_db, db
    from django.db import connection

    store = cached_db.SessionStore if variant == "cached_db" else db.SessionStore
    key = session_key(user, store)
    if variant == "kept connection":
        # Every other variant runs as the consumers do: CONN_MAX_AGE 0, a connection per call.
        connection.settings_dict["CONN_MAX_AGE"] = None
    try:
        return asyncio.run(timed(store, key, lookups))
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        asyncio.run(close_in_database_thread())


async def close_in_database_thread():
    """Close the database thread's connection, so that the next variant opens its own.

    From an event loop, as the lookups ran: async_to_sync() from this thread would run the
    close here instead, on this thread's connection, and leave that one open.
    """
    from channels.db import database_sync_to_async
    from django.db import connections

    def close():
        connections["default"].close()  # looked up there: each thread has its own

    await database_sync_to_async(close)()


def main(argv=None):
    """Time each variant in interleaved rounds; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=2000, help="per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lookup-") as folder:
        redis = Redis(folder)
        redis.start()
        try:
            user = set_up(folder, redis.url)
            found = {variant: [] for variant in VARIANTS}
            for _ in range(args.rounds):
                for variant in VARIANTS:
                    found[variant].append(measure(user, variant, args.lookups))
        finally:
            redis.stop()
    print(f"get_user(scope), awaited {args.lookups} times a round, {args.rounds} round(s)")
    header = f"{'wall µs':>8} {'lowest-highest':>15} {'CPU µs':>8} {'lowest-highest':>15}"
    print(f"{'sessions':<16} {header}  connections opened")
    for variant in VARIANTS:
        *times, opened = zip(*found[variant], strict=True)  # wall, CPU, connections, by round
        cells = []
        for values in times:
            span = f"{min(values):.0f}-{max(values):.0f}"
            cells.append(f"{statistics.median(values):8.0f} {span:>15}")
        print(f"{variant:<16} " + " ".join(cells) + f"  {max(opened)} a round")


if __name__ == "__main__":
    main()
