"""Shared fixtures.

The suite runs on SQLite by default and on PostgreSQL with `TEST_DATABASE=postgres` (make test runs
both). Each run gets its own database, migrated with Alembic, so several runs can share one server;
tables are emptied after every test. Real services that are missing skip a test on a laptop but
fail it in CI (CI=true), so a green CI always means the real thing ran.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

from yhteys.db import engine_for
from yhteys.settings import Settings, set_settings

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"


def require_service(name: str, host: str, port: int) -> None:
    """Skip (on a laptop) or fail (in CI) when a real service is not answering."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError:
        message = f"{name} is not answering on {host}:{port}"
        if IN_CI:
            pytest.fail(message + " (CI must start it: see .ci/run)")
        pytest.skip(message)


def _create_pg_database() -> str:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"yhteys_t_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine_for.cache_clear()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test run."""
    from yhteys.migrate import upgrade

    if os.environ.get("TEST_DATABASE", "sqlite") == "postgres":
        url = _create_pg_database()
        try:
            upgrade(url)
            yield url
        finally:
            _drop_pg_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url


def _empty_tables(url: str) -> None:
    engine = engine_for(url)
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    if not tables:
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            _empty_postgres(conn, tables)
        else:
            # Append-only tables (audit_event) refuse DELETE by trigger: lift the triggers for
            # this cleanup only and put them back exactly as they were.
            triggers = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608
            for _name, sql in triggers:
                conn.execute(text(sql))


# Sequences a test used go back to their start, as TRUNCATE ... RESTART IDENTITY would do.
_RESTART_USED_SEQUENCES = """
SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL
"""


def _empty_postgres(conn, tables: list[str]) -> None:  # noqa: ANN001
    """Empty only the tables a test filled: truncating all fifty, most of them empty, took
    about 0.3 s after every test, most of the PostgreSQL pass. Asking which hold a row is one
    quick statement."""
    probe = " UNION ALL ".join(
        f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables  # noqa: S608
    )
    filled = [row[0] for row in conn.execute(text(probe))]
    if filled:
        # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE gives each table a new
        # file (0.3-0.5 s for a handful). Triggers and foreign-key checks are off for this
        # transaction alone, as TRUNCATE ignores them too (audit_event refuses DELETE).
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in filled:
            conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608
    conn.execute(text(_RESTART_USED_SEQUENCES))


def make_settings(database_url: str, var_dir: Path, **overrides: object) -> Settings:
    base = Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="http://testserver",
        var_dir=var_dir,
        upload_dir=var_dir / "uploads",
        mail_dir=var_dir / "mail",
        redis_url="",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings for one test: its own var/ folder, the run's database, no Redis."""
    value = make_settings(database_url, tmp_path / "var")
    set_settings(value)
    try:
        yield value
    finally:
        set_settings(None)
        _empty_tables(database_url)
        # Row ids start again: no id may stay marked as waiting in the in-process queue; and
        # a broker that failed in this test is tried at once in the next.
        from notify.broker import REST, WAITING

        WAITING.clear()
        REST.end()


@pytest.fixture
def use_settings(settings: Settings):  # noqa: ANN201 - returns a setter
    """Change settings within a test: `use_settings(redis_url=...)`."""

    def apply(**overrides: object) -> Settings:
        value = replace(settings, **overrides)  # type: ignore[arg-type]
        set_settings(value)
        return value

    return apply


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    with Session(engine_for(settings.database_url), expire_on_commit=False) as db:
        yield db


@pytest.fixture
def app(settings: Settings):  # noqa: ANN201
    from yhteys.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


# Whoever uses a Redis database of the shared server for a while (a test run, the production
# shape of deploy/prodlike.py) marks it with this key, set only where the database is empty.
REDIS_CLAIM_KEY = "yhteys:claimed-by"
# Kept this long: a run that was killed cannot hold a database for ever.
REDIS_CLAIM_SECONDS = 4 * 3600
# Empty the database but for its claim.
_EMPTY_BUT_THE_CLAIM = """
for _, key in ipairs(redis.call('KEYS', '*')) do
  if key ~= ARGV[1] then redis.call('DEL', key) end
end
"""


@pytest.fixture(scope="session")
def _redis_database() -> Iterator[str]:
    """A database of the shared Redis server that no other run uses meanwhile (the SQLite and
    the PostgreSQL passes run side by side, beside the production shape's own)."""
    import redis

    require_service("Redis", "127.0.0.1", 6379)
    owner = f"tests:{os.getpid()}"
    for n in range(1, 16):
        url = f"redis://127.0.0.1:6379/{n}"
        connection = redis.Redis.from_url(url)
        if connection.dbsize() == 0 and connection.set(
            REDIS_CLAIM_KEY, owner, nx=True, ex=REDIS_CLAIM_SECONDS
        ):
            break
        connection.close()
    else:
        pytest.fail("no empty Redis database is free (1-15)")
    try:
        yield url
    finally:
        if connection.get(REDIS_CLAIM_KEY) == owner.encode():
            connection.flushdb()
        connection.close()


@pytest.fixture
def redis_url(_redis_database: str) -> Iterator[str]:
    """A real Redis database of its own for this run, emptied around each use."""
    import redis

    connection = redis.Redis.from_url(_redis_database)
    connection.eval(_EMPTY_BUT_THE_CLAIM, 0, REDIS_CLAIM_KEY)
    try:
        yield _redis_database
    finally:
        connection.eval(_EMPTY_BUT_THE_CLAIM, 0, REDIS_CLAIM_KEY)
        connection.close()
