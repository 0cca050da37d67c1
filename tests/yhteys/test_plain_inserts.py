"""Plain rows inside `together` reach PostgreSQL as one statement, in order, with their types;
SQLite takes each at once; a block that fails sends nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, event, insert
from sqlalchemy import select as sa_select
from sqlalchemy.orm import registry
from sqlmodel import Session

from yhteys.clock import now
from yhteys.db import engine_for
from yhteys.plain_inserts import insert_rows, together

metadata = MetaData()
NOTES = Table(
    "plain_insert_note", metadata,
    Column("id", Integer, primary_key=True),
    Column("body", String, nullable=False),
    Column("data", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, default=now),
    Column("extra", String, nullable=True),
)
MARKS = Table(
    "plain_insert_mark", metadata,
    Column("id", Integer, primary_key=True),
    Column("note", String, nullable=False),
)
AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str):  # noqa: ANN201
    engine = engine_for(database_url)
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def sent(engine) -> Iterator[list[str]]:  # noqa: ANN001
    """The statements the engine sends from here to the test's end."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _write(session: Session) -> None:
    insert_rows(session, insert(NOTES), {"body": "first", "data": {"n": 1}, "at": AT})
    insert_rows(session, insert(MARKS), [{"note": "a"}, {"note": "b"}])
    insert_rows(session, insert(NOTES), [{"body": "second", "data": ["x"], "at": AT},
                                         {"body": "third", "data": {}, "at": AT}])


def test_rows_added_together_are_stored_in_order_with_their_types(engine, sent):
    with Session(engine) as session:
        with together(session):
            _write(session)
            if engine.dialect.name == "postgresql":
                assert sent == []  # nothing yet: they wait for the block's end
        session.commit()
    inserts = [s for s in sent if "INSERT" in s]
    if engine.dialect.name == "postgresql":
        assert len(inserts) == 1 and inserts[0].startswith("WITH w0 AS (INSERT INTO")
    else:
        assert len(inserts) == 3
    with engine.connect() as conn:
        notes = conn.execute(sa_select(NOTES.c.body, NOTES.c.data, NOTES.c.at)
                             .order_by(NOTES.c.id)).all()
        marks = conn.execute(sa_select(MARKS.c.note).order_by(MARKS.c.id)).scalars().all()
    assert [(body, data) for body, data, _at in notes] == [
        ("first", {"n": 1}), ("second", ["x"]), ("third", {})]
    assert all(at.replace(tzinfo=UTC) == AT for _b, _d, at in notes)
    assert marks == ["a", "b"]


def test_a_block_that_raises_sends_nothing_and_the_session_goes_on(engine):
    with Session(engine) as session:
        with pytest.raises(RuntimeError), together(session):
            _write(session)
            raise RuntimeError("refused")
        session.rollback()
        with together(session):  # the next block of the same session starts afresh
            insert_rows(session, insert(MARKS), {"note": "after"})
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(sa_select(MARKS.c.note)).scalars().all() == ["after"]
        assert conn.execute(sa_select(NOTES.c.body)).scalars().all() == []


def test_a_block_inside_another_adds_to_the_outer_ones_rows(engine, sent):
    with Session(engine) as session:
        with together(session):
            insert_rows(session, insert(MARKS), {"note": "outer"})
            with together(session):
                insert_rows(session, insert(MARKS), {"note": "inner"})
            insert_rows(session, insert(MARKS), {"note": "outer again"})
        session.commit()
    if engine.dialect.name == "postgresql":
        assert len([s for s in sent if "INSERT" in s]) == 1
    with engine.connect() as conn:
        assert conn.execute(sa_select(MARKS.c.note).order_by(MARKS.c.id)).scalars().all() == [
            "outer", "inner", "outer again"]


def test_outside_a_block_a_row_goes_at_once(engine, sent):
    with Session(engine) as session:
        insert_rows(session, insert(MARKS), {"note": "alone"})
        assert len([s for s in sent if "INSERT" in s]) == 1
        session.commit()


@pytest.mark.parametrize("rows", [
    [{"body": "no time", "data": {}}],  # a column with a default left out: not complete
    [{"body": "a", "data": {}, "at": AT}, {"body": "b", "at": AT}],  # rows of other columns
])
def test_rows_that_a_single_statement_cannot_take_are_refused(engine, rows):
    if engine.dialect.name != "postgresql":
        pytest.skip("elsewhere each row goes at once, as a plain INSERT")
    with Session(engine) as session, pytest.raises(ValueError, match="plain_insert_note"), \
            together(session):
        insert_rows(session, insert(NOTES), rows)


class Note:  # the ORM's view of the same table
    def __init__(self, body: str) -> None:
        self.body, self.data, self.at = body, {}, AT


registry(metadata=metadata).map_imperatively(Note, NOTES)


def test_rows_waiting_go_before_the_orm_writes_rows_added_after_them(engine):
    with Session(engine) as session:
        with together(session):
            insert_rows(session, insert(NOTES), {"body": "plain, first", "data": {}, "at": AT})
            session.add(Note("orm, second"))
            session.flush()
            insert_rows(session, insert(NOTES), {"body": "plain, third", "data": {}, "at": AT})
            insert_rows(session, insert(MARKS), {"note": "other table"})
            insert_rows(session, insert(NOTES), [{"body": "plain, fourth", "data": {}, "at": AT}])
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(sa_select(NOTES.c.body).order_by(NOTES.c.id)).scalars().all() == [
            "plain, first", "orm, second", "plain, third", "plain, fourth"]


def test_a_tables_rows_of_other_columns_go_in_order(engine):
    with Session(engine) as session:
        with together(session):
            insert_rows(session, insert(NOTES), {"body": "one", "data": {}, "at": AT})
            insert_rows(session, insert(NOTES),
                        {"body": "two", "data": {}, "at": AT, "extra": "a column more"})
            insert_rows(session, insert(NOTES), {"body": "three", "data": {}, "at": AT})
        session.commit()
    with engine.connect() as conn:
        rows = conn.execute(sa_select(NOTES.c.body, NOTES.c.extra).order_by(NOTES.c.id)).all()
    assert rows == [("one", None), ("two", "a column more"), ("three", None)]
