"""Readiness: can this process serve? `/healthz` says the process runs; `/readyz` says what it
needs answers: the database, Redis (when configured), a schema at the migrations' heads, and
each package's own checks (the outbox moving, see notify/monitoring.py).

The body names each check with counts and exception type names only, never a row. Results are
kept CACHE_SECONDS per process, and one check runs at a time, so a load balancer polling every
web worker costs the database a query or two every two seconds, not one per probe.
"""

from __future__ import annotations

import threading
import time
from functools import cache, lru_cache

from sqlalchemy import text
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from yhteys.db import engine_for
from yhteys.settings import Settings, get_settings

CACHE_SECONDS = 2.0
STALE_SECONDS = 10.0
REDIS_TIMEOUT = 0.5

Facts = dict[str, object]
_lock = threading.Lock()
_cached: tuple[float, tuple[str, str], tuple[bool, dict[str, Facts]]] | None = None


@cache
def _script():  # noqa: ANN202 - an alembic ScriptDirectory
    from alembic.script import ScriptDirectory

    from yhteys.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config())


@cache
def migration_heads() -> frozenset[str]:
    """The head revision of every branch, read from the migration files once per process."""
    return frozenset(_script().get_heads())


def _names(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return () if value is None else (value,) if isinstance(value, str) else tuple(value)


@lru_cache(maxsize=8)
def applied(versions: frozenset[str]) -> frozenset[str]:
    """Every revision the stored versions stand for: themselves and all they come after or
    depend on. alembic_version keeps one row per line of history, so a branch head another
    branch depends on (the dashboard's triggers on the newest case table) has no row of its own."""
    from alembic.util import CommandError

    script, seen, stack = _script(), set(), list(versions)
    while stack:
        try:
            revision = script.get_revision(stack.pop())
        except CommandError:  # noqa: S112 - a version these files do not know stands for nothing
            continue
        if revision is None or revision.revision in seen:
            continue
        seen.add(revision.revision)
        stack += [*_names(revision.down_revision), *_names(revision.dependencies)]
    return frozenset(seen)


@cache
def _redis_client(url: str):  # noqa: ANN202 - a redis.Redis
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT,
                                socket_timeout=REDIS_TIMEOUT)


def _failed(exc: BaseException) -> Facts:
    # The type only: a driver's message can quote a connection string or a row.
    return {"ok": False, "error": type(exc).__name__}


def check_redis(settings: Settings) -> Facts:
    if not settings.redis_url:
        return {"ok": True, "configured": False}
    try:
        _redis_client(settings.redis_url).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return _failed(exc)
    return {"ok": True}


def check_database(settings: Settings) -> dict[str, Facts]:
    """The database, the migrations and every package check, in one connection."""
    from yhteys.registry import registry

    results: dict[str, Facts] = {}
    try:
        with Session(engine_for(settings.database_url)) as session:
            versions = set(session.execute(text("SELECT version_num FROM alembic_version"))
                           .scalars())
            results["database"] = {"ok": True}
            behind = len(migration_heads() - applied(frozenset(versions)))
            results["migrations"] = {"ok": behind == 0, "behind": behind}
            for name, check in registry().checks.items():
                try:
                    results[name] = check(session)
                except Exception as exc:  # noqa: BLE001
                    session.rollback()
                    results[name] = _failed(exc)
    except Exception as exc:  # noqa: BLE001 - unreachable, or no schema at all
        results["database"] = _failed(exc)
    return results


def readiness() -> tuple[bool, dict[str, Facts]]:
    """(ready, checks), at most CACHE_SECONDS old.

    One check runs at a time. While it runs, other probes get the last result if it is recent
    (STALE_SECONDS), else "not ready": a database that hangs instead of refusing must neither
    look ready nor hold a thread of the server's pool for every probe waiting behind it."""
    global _cached
    settings = get_settings()
    key = (settings.database_url, settings.redis_url)
    if not _lock.acquire(blocking=False):
        last = _cached
        if last and last[1] == key and time.monotonic() - last[0] < STALE_SECONDS:
            return last[2]
        return False, {"database": {"ok": False, "error": "check still running"}}
    try:
        if _cached and _cached[1] == key and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return _cached[2]
        checks = {**check_database(settings), "redis": check_redis(settings)}
        result = (all(bool(c.get("ok")) for c in checks.values()), checks)
        _cached = (time.monotonic(), key, result)
        return result
    finally:
        _lock.release()


def forget() -> None:
    """Drop the cached result (tests)."""
    global _cached
    with _lock:
        _cached = None


async def readyz(request: Request) -> Response:
    ready, checks = await run_in_threadpool(readiness)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers={"cache-control": "no-store"},
    )
