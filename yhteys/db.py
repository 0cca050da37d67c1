"""Database engine and sessions.

SQLite (a file, WAL mode) by default, PostgreSQL when DATABASE_URL says so. The schema belongs to
Alembic; nothing here creates tables.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, event, inspect, text
from sqlalchemy.engine import CursorResult, Dialect, Engine, Result
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session, SQLModel, create_engine

from yhteys.settings import get_settings
from yhteys.sqlite_checkpoint import LOG_SIZE_LIMIT, Checkpointer
from yhteys.sqlite_writes import serialise_writes


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# How long a writer waits for another before "database is locked".
SQLITE_BUSY_SECONDS = 10.0
# SQLite connections kept open: about as many as the threads that use one at a time (requests in
# the threadpool, the in-process worker, the relay). Beyond the pool, a connection is opened for
# one use and closed again, each time reading the schema anew: under load, a cost per request.
SQLITE_POOL_SIZE = 20
SQLITE_POOL_OVERFLOW = 40


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    # Not inside a request's COMMIT: a thread of its own checkpoints (yhteys.sqlite_checkpoint).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    # The writer that starts the log again cuts its file back to this size.
    cursor.execute(f"PRAGMA journal_size_limit={LOG_SIZE_LIMIT}")
    # Deleted and overwritten content is zeroed, not left in free space for a copy of the file
    # to show: anonymisation must really erase. Many builds (Debian's) default to it, not all.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        on_disk = bool(path) and path != ":memory:" and "mode=memory" not in path
        pool: dict[str, int] = {}
        if on_disk:
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_OVERFLOW}
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
            hide_parameters=True,  # errors never quote a person's answers into a log
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        checkpointer = Checkpointer(path) if on_disk else None
        writer = serialise_writes(engine, timeout=SQLITE_BUSY_SECONDS,
                                  after_commit=checkpointer.committed if checkpointer else None)
        if checkpointer is not None:
            checkpointer.writer = writer
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    return engine


# A connection used a moment ago is alive; one idle for longer (a database restart, a firewall
# dropping idle flows) is pinged before use, as pool_pre_ping would on every checkout. That ping
# cost a round trip on each of the two checkouts of every form submission.
PING_AFTER_IDLE_SECONDS = 5.0


def _checked_in(_dbapi_connection, record) -> None:  # noqa: ANN001 - pool hook
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dialect: Dialect):  # noqa: ANN202 - a pool hook
    def checkout(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        last = record.info.get("checked_in_at")
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure: the pool takes a new connection
            raise DisconnectionError from exc
        if not alive:
            raise DisconnectionError

    return checkout


def truncate_wal() -> bool:
    """SQLite: copy the write-ahead log into the database and empty it. The log keeps old page
    images, so what anonymisation erased is still in the -wal file until this runs. False when
    a reader kept it from finishing (the next run tries again); True on PostgreSQL."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    return busy is None or busy[0] == 0


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "postgresql"


def autocommit(session: Session) -> None:
    """PostgreSQL: each statement of this (fresh) session commits on its own; SQLite: nothing.

    For a page that reads and writes at most one row, as a staff view and its audit event do:
    under READ COMMITTED every statement reads its own snapshot anyway, and a lone INSERT is as
    durable on its own as in a transaction. What it saves is the BEGIN and the COMMIT, each a
    round trip of its own with psycopg. Never for writes that must stand or fall together.
    """
    if is_postgres(session):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def serialise(session: Session, key: int) -> None:
    """One transaction at a time for `key`, until this one ends (commit or rollback).

    For check-then-write work that must not run twice at once (two supervisors' schedule edits,
    two breach checks queueing digests). PostgreSQL: a transaction-scoped advisory lock. SQLite:
    the writer's lock taken now, before the checks read (the driver would begin the transaction
    only at the first write, after the reads, so two checks could both pass); it serialises all
    writers, which SQLite does anyway.
    """
    connection = session.connection()
    if is_postgres(session):
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def empty_list() -> list[Any]:
    """The default of a JSON list column. pydantic reads a default factory's signature each time
    a row object is made, and for the builtin `list` that means parsing its text signature: a
    new case spent 0.25 ms on it. A plain function's signature is read at a fraction of that."""
    return []


def empty_dict() -> dict[str, Any]:
    """The default of a JSON object column (see empty_list)."""
    return {}


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for the statements written in Core (upserts, guarded
    updates): SQLModel sets `__table__` on every table model, its type hints do not say so."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


@lru_cache(maxsize=64)
def plus(column: Any, amount: int = 1) -> Any:
    """`column + amount` for an UPDATE's SET or an ORM attribute (hence Any: an expression
    stands where the model says int), built once per column and amount.

    SQLAlchemy keeps the comparator of the number's bind parameter on the parameter, and the
    comparator points back at it: each `column + 1` built in a request was a reference cycle that
    only the cyclic collector frees. One per delivered notification made a serving process grow
    about a MiB per thousand submissions until a collection came. The expression is immutable,
    so every statement can share one."""
    return column + amount


_M = TypeVar("_M", bound=SQLModel)


@cache
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
    configure_mappers()  # what the model's own constructor would do first: attributes work
    plain: dict[str, Any] = {}
    factories: list[tuple[str, Any]] = []
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            factories.append((name, field.default_factory))
        elif not field.is_required():
            plain[name] = field.default
    return plain, tuple(factories)


def row_values(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """Every field of a table model as plain values: its own defaults (a factory called afresh),
    then `values`, whose names must be its fields. The same row its constructor would make, for
    an INSERT of plain values or for `new_row`. The factories take no arguments (see
    empty_list)."""
    unknown = values.keys() - model.model_fields.keys()
    if unknown:
        raise TypeError(f"{model.__name__} has no field {sorted(unknown)}")
    plain, factories = _defaults(model)
    row = dict(plain)
    for name, factory in factories:
        if name not in values:
            row[name] = factory()
    row.update(values)
    return row


def new_row(model: type[_M], **values: Any) -> _M:
    """A table model's object from its values, made the way a query's result is made: straight
    into the instance's dictionary, without SQLModel's per-attribute instrumentation (about
    7 µs an attribute: 0.3 ms for a case of 47 columns). For rows the caller inserts itself as
    plain values and then treats as stored (`make_transient_to_detached`) or only reads."""
    if model.__pydantic_post_init__:
        raise TypeError(f"{model.__name__} has private attributes to set up: use its constructor")
    row = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    row.__dict__.update(row_values(model, **values))
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: _Row) -> int:
    """The id of a row loaded or flushed: SQLModel types every `id` as optional, because a new
    object has none until it is flushed."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute returns a CursorResult for them,
    which its signature (a plain Result) does not say."""
    return cast(CursorResult[Any], result).rowcount


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def database_down(exc: BaseException) -> bool:
    """The database cannot be reached or went away (not a bug in a query): nothing was saved,
    and the same request may well succeed a few minutes later."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
