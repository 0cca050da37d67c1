"""SQLite writers of one process take turns on a lock and begin IMMEDIATE; readers do not wait."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from yhteys.db import engine_for
from yhteys.sqlite_writes import serialise_writes


@pytest.fixture
def engine(tmp_path: Path):  # noqa: ANN201
    engine = engine_for(f"sqlite:///{tmp_path / 'writes.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield engine
    engine.dispose()


def test_concurrent_writers_all_commit_each_in_an_immediate_transaction(engine):
    def write(n: int) -> None:
        for i in range(20):
            with engine.begin() as conn:
                conn.execute(text("SELECT count(*) FROM t")).scalar()
                conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{n}-{i}"})
                time.sleep(0.001)  # hold the write a moment, as a real request does
                conn.execute(text("UPDATE t SET v = v WHERE id = 1"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 160


def test_the_lock_is_released_after_a_commit_and_after_a_failed_write(engine):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))  # the unique value again
    done = threading.Event()

    def other_thread() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
        done.set()

    threading.Thread(target=other_thread).start()
    assert done.wait(5), "a writer in another thread was left waiting"


def test_a_writer_queues_behind_another_longer_than_sqlite_would_wait(tmp_path: Path):
    """SQLite alone gives up after its timeout ("database is locked"); the queue does not,
    and a reader meanwhile is answered at once."""
    engine = create_engine(f"sqlite:///{tmp_path / 'queue.db'}",
                           connect_args={"check_same_thread": False, "timeout": 0.2})
    serialise_writes(engine, timeout=5)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v TEXT)"))
    holding = threading.Event()

    def slow_writer() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('slow')"))
            holding.set()
            time.sleep(0.8)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(5)
    started = time.monotonic()
    with engine.connect() as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    assert time.monotonic() - started < 0.5
    with engine.begin() as conn:  # waits for the slow writer, then writes
        conn.execute(text("INSERT INTO t VALUES ('next')"))
    thread.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()


def test_a_second_write_in_the_same_thread_does_not_wait_for_itself(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'own.db'}",
                           connect_args={"check_same_thread": False, "timeout": 0.2})
    lock = serialise_writes(engine, timeout=5)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v TEXT)"))
    started = time.monotonic()
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("INSERT INTO t VALUES ('x')"))
        with pytest.raises(Exception, match="locked"):  # SQLite's own answer, at its timeout
            second.execute(text("INSERT INTO t VALUES ('y')"))
        first.commit()
    assert time.monotonic() - started < 3
    assert lock.owner is None
    engine.dispose()


def test_a_turn_taken_before_reading_queues_on_the_same_lock(tmp_path: Path):
    """yhteys.db.serialise begins IMMEDIATE before its reads: it holds the process's turn, so
    another writer queues behind it (past SQLite's own short timeout) instead of failing."""
    from sqlmodel import Session

    from yhteys.db import serialise

    engine = create_engine(f"sqlite:///{tmp_path / 'turn.db'}",
                           connect_args={"check_same_thread": False, "timeout": 0.2})
    lock = serialise_writes(engine, timeout=5)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v TEXT)"))
    with Session(engine) as session:
        serialise(session, 1)
        raw = session.connection().connection.dbapi_connection
        assert lock.holder is raw and raw.in_transaction
        done = threading.Event()

        def other_writer() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES ('other')"))
            done.set()

        thread = threading.Thread(target=other_writer)
        thread.start()
        time.sleep(0.5)  # longer than SQLite's own timeout: the other writer is queued
        assert not done.is_set()
        session.execute(text("INSERT INTO t VALUES ('mine')"))
        session.commit()
    thread.join(5)
    assert done.is_set() and lock.owner is None
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT v FROM t ORDER BY rowid"))] == [
            "mine", "other"]
    engine.dispose()


def test_a_savepoint_that_reads_then_writes_takes_its_turn_first(engine):
    """A savepoint opened outside a transaction begins one: SQLite's DEFERRED kind, unless the
    turn is taken there. Its read then fixes a snapshot, and if another connection commits before
    its write, SQLite refuses the write at once, without its busy wait ("database is locked"):
    a WhatsApp status webhook (a savepoint per status) failed so while the worker sent."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('first')"))
    other_wrote = threading.Event()

    def other_writer() -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE t SET v = 'other' WHERE id = 1"))
        other_wrote.set()

    with Session(engine) as session:
        with session.begin_nested():
            assert session.execute(text("SELECT v FROM t WHERE id = 1")).scalar() == "first"
            thread = threading.Thread(target=other_writer)
            thread.start()
            assert not other_wrote.wait(0.5)  # queued behind this savepoint's turn
            session.execute(text("UPDATE t SET v = 'mine' WHERE id = 1"))
        session.commit()
    thread.join(5)
    assert other_wrote.is_set()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t WHERE id = 1")).scalar() == "other"
