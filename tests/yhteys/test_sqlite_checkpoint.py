"""SQLite: the write-ahead log is copied into the database by a thread, not inside a commit."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from yhteys import sqlite_checkpoint as checkpoint
from yhteys.db import engine_for
from yhteys.sqlite_checkpoint import Checkpointer

pytestmark = pytest.mark.sqlite_only


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]


def _rows_in_the_file_alone(path: Path, folder: Path) -> int:
    """The rows a copy of the database file has without its log: what was checkpointed."""
    folder.mkdir()
    copy = folder / path.name
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT count(*) FROM t").fetchone()[0]
    except sqlite3.OperationalError:  # not even the table yet
        return 0
    finally:
        conn.close()


def test_a_commit_reaches_the_database_file_a_moment_later(tmp_path: Path):
    path = tmp_path / "cp.db"
    engine = engine_for(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (v TEXT)"))
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('a'), ('b')"))
        with engine.connect() as conn:  # the commit itself leaves the copying to the thread
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        deadline = time.monotonic() + 5
        copies = (tmp_path / f"copy{n}" for n in range(1000))
        while _rows_in_the_file_alone(path, next(copies)) < 2:
            assert time.monotonic() < deadline, "the log was never copied into the database"
            time.sleep(0.1)
    finally:
        engine.dispose()


def test_the_thread_ends_when_nothing_is_committed(tmp_path: Path):
    path = tmp_path / "idle.db"
    sqlite3.connect(path).close()
    checkpointer = Checkpointer(str(path), every=0.05)
    checkpointer.committed()
    assert _checkpoint_threads()
    deadline = time.monotonic() + 5
    while _checkpoint_threads():
        assert time.monotonic() < deadline, "the checkpoint thread outlived the commits"
        time.sleep(0.05)
    checkpointer.committed()  # a later commit starts it again
    assert _checkpoint_threads()


def test_a_removed_database_is_not_created_again(tmp_path: Path):
    path = tmp_path / "gone.db"
    sqlite3.connect(path).close()
    checkpointer = Checkpointer(str(path), every=0.05)
    path.unlink()
    checkpointer.committed()
    time.sleep(0.3)
    assert not path.exists()


def test_the_log_starts_again_under_steady_writes_and_reads(tmp_path: Path, monkeypatch):
    """Commits and readers never pause: a PASSIVE round alone then never lets the log restart,
    and the -wal file grew by every page of every commit (1.6 GiB a minute under submissions).
    The writes go on until 48 MiB are written, however slow the machine: the old way leaves a
    log of about that size, this one a log near the 1 MiB restart mark."""
    monkeypatch.setattr(checkpoint, "CHECKPOINT_EVERY_SECONDS", 0.05)
    monkeypatch.setattr(checkpoint, "RESTART_AFTER_FRAMES", 256)  # 1 MiB
    path = tmp_path / "busy.db"
    engine = engine_for(f"sqlite:///{path}")
    log = Path(f"{path}-wal")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v BLOB)"))
    blob, goal = 40960, 48 * 1024 * 1024  # ten pages a commit
    stop, largest, written = threading.Event(), [0], [0]

    def write() -> None:
        deadline = time.monotonic() + 60
        while written[0] < goal and time.monotonic() < deadline:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (randomblob(:n))"), {"n": blob})
            written[0] += blob
        stop.set()

    def read() -> None:
        while not stop.is_set():
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM t")).scalar_one()
            largest[0] = max(largest[0], log.stat().st_size)

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
    finally:
        for thread in threads:
            thread.join()
        engine.dispose()
    assert written[0] >= goal, "too few writes in a minute to tell the two apart"
    assert largest[0] < goal / 3, f"the log grew to {largest[0]} bytes"
    with sqlite3.connect(path) as conn:  # and nothing written was lost on the way
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == written[0] // blob
