"""Plain rows a transaction writes and never reads back, sent to PostgreSQL in one statement.

A new case brings companion rows: consents, history, its SLA clock, its search row, a single-use
link. Each was its own INSERT: a round trip, a plan and, on a busy web process, a hand-over of the
interpreter lock while the thread waits. Inside `together(session)` they wait instead, and at
the block's end go as one statement (`WITH w0 AS (INSERT ...), w1 AS (INSERT ...) INSERT ...`).
SQLite is in process and one writer at a time: a statement there costs no round trip, so each
row goes at once, as before.

Order is kept where it shows, in the ids a table gives its rows (a case's history is read in id
order). PostgreSQL runs the parts of one statement in no set order, so a table's rows wait as one
part, in the order added; and the waiting rows go first whenever the ORM is about to write (its
rows may be in the same tables and were added after them).

Nothing inside the block may read a waiting row; the rows must be complete (every column with a
Python-side default given), as a plain INSERT of them would be.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, TextClause, bindparam, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session as OrmSession

_WAITING = "yhteys.plain_inserts:waiting"  # session.info: the parts waiting, or absent

Rows = Mapping[str, Any] | Sequence[Mapping[str, Any]]
# One part of the statement: the table, the columns given, and how many rows.
_Shape = tuple[Table, tuple[str, ...], int]


@dataclass
class _Part:
    table: Table
    columns: frozenset[str]
    rows: list[Mapping[str, Any]] = field(default_factory=list)


def insert_rows(session: OrmSession, statement: Insert, rows: Rows) -> None:
    """`session.execute(statement, rows)` for a plain INSERT of complete rows, or, inside
    `together` on PostgreSQL, the rows kept to go with the others."""
    waiting: list[_Part] | None = session.info.get(_WAITING)
    if waiting is None:
        session.execute(statement, rows)
        return
    table = statement.table
    if not isinstance(table, Table):  # pragma: no cover - every statement here is on a table
        raise TypeError("insert_rows takes an INSERT into a table")
    listed = [rows] if isinstance(rows, Mapping) else list(rows)
    if not listed:
        return
    columns = frozenset(listed[0])
    part = next((p for p in waiting if p.table is table), None)
    if part is not None and part.columns != columns:
        _send_waiting(session)  # two parts of one table would land in no set order
        part = None
    if part is None:
        part = _Part(table, columns)
        waiting.append(part)
    part.rows += listed


@contextmanager
def together(session: OrmSession) -> Iterator[None]:
    """Plain rows added by `insert_rows` inside the block go in one statement at its end (on
    PostgreSQL; elsewhere at once). Nothing is sent when the block raises: the transaction is
    going back anyway. A block inside another adds to the outer one's rows."""
    if _WAITING in session.info or session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.info[_WAITING] = []
    try:
        yield
        _send_waiting(session)
    finally:
        del session.info[_WAITING]


@event.listens_for(OrmSession, "before_flush")
def _before_flush(session: OrmSession, _context: object, _instances: object) -> None:
    _send_waiting(session)


def _send_waiting(session: OrmSession) -> None:
    waiting: list[_Part] | None = session.info.get(_WAITING)
    if waiting:
        _send(session, waiting)
        waiting.clear()


def _send(session: OrmSession, parts: Sequence[_Part]) -> None:
    """The parts as one statement, on the session's connection: a plain statement, which
    never makes the ORM write first."""
    shapes: list[_Shape] = []
    values: dict[str, Any] = {}
    for i, part in enumerate(parts):
        columns = tuple(part.rows[0])
        shapes.append((part.table, columns, len(part.rows)))
        for r, row in enumerate(part.rows):
            if row.keys() != part.columns:
                raise ValueError(f"rows for {part.table.name} name different columns")
            values.update({f"p{i}_{r}_{name}": value for name, value in row.items()})
    session.connection().execute(_statement(tuple(shapes)), values)


@lru_cache(maxsize=256)
def _statement(shapes: tuple[_Shape, ...]) -> TextClause:
    """The statement for these parts, built once per shape. As text with typed parameters:
    SQLAlchemy does not cache the compiled form of INSERTs nested in a WITH, and compiling it
    for every case cost more than the round trips it saves."""
    quote = postgresql.dialect().identifier_preparer.quote
    parts: list[str] = []
    params = []
    for i, (table, columns, count) in enumerate(shapes):
        missing = [c.name for c in table.columns
                   if c.default is not None and not c.primary_key and c.name not in columns]
        if missing:  # a plain INSERT would have filled them: the caller gives complete rows
            raise ValueError(f"rows for {table.name} lack {missing}")
        rows = []
        for r in range(count):
            names = [f"p{i}_{r}_{name}" for name in columns]
            params += [bindparam(n, type_=table.c[c].type)
                       for n, c in zip(names, columns, strict=True)]
            rows.append("(" + ", ".join(f":{n}" for n in names) + ")")
        # Names from the schema's own tables, values as parameters: nothing typed reaches it.
        parts.append(f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "  # noqa: S608
                     f"VALUES {', '.join(rows)}")
    *first, last = parts
    ctes = ", ".join(f"w{i} AS ({part})" for i, part in enumerate(first))
    return text(f"WITH {ctes} {last}" if first else last).bindparams(*params)
