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
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # noqa: S608
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
        # Row ids start again: no id may stay marked as waiting in the in-process queue.
        from notify.broker import WAITING

        WAITING.clear()


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


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis database of its own for this run (db 1-15 by process id), emptied around use."""
    import redis

    require_service("Redis", "127.0.0.1", 6379)
    url = f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}"
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    try:
        yield url
    finally:
        connection.flushdb()
        connection.close()
