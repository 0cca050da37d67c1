"""SQLite: the write-ahead log is copied into the database by a thread of its own.

By default SQLite checkpoints inside the COMMIT that lets the log pass 1000 pages: that commit
then copies a few megabytes and syncs the file before it returns, and every writer queued behind
it on the process's lock (yhteys.sqlite_writes) waits as long. Under a steady stream of form
submissions that was a pause of tens of milliseconds every few seconds, for everyone at once.

Here each connection turns the automatic checkpoint off (`PRAGMA wal_autocheckpoint=0`) and,
while the process writes, a background thread runs a PASSIVE checkpoint every second. PASSIVE
never waits for a lock and never makes a writer or a reader wait; pages a reader still needs stay
in the log until the next round, exactly as with SQLite's own. A commit is as durable as before
(the log is the record either way); what changes is only which thread does the copying, and when.
The thread starts with the first commit and ends after a round with nothing committed, so an
idle process, or an engine thrown away, leaves no thread behind.

A PASSIVE checkpoint alone never lets the log start again from its beginning under steady load:
SQLite restarts the log only when a checkpoint has copied every frame and no reader still reads
from the log, and with commits arriving all the time some frame is always newer than the last
round. The log then grew by every page of every commit (about 175 KiB a submission, 1.6 GiB in a
minute at 130 submissions a second) until the retention job's TRUNCATE. So once the log passes
`RESTART_AFTER_FRAMES`, the thread takes the process's writer lock (yhteys.sqlite_writes), so that
no commit of this process slips in, and runs a RESTART checkpoint: it copies the few frames the
PASSIVE round left, waits briefly for readers of older frames to finish, and the next writer
starts the log again from its beginning. `journal_size_limit` then cuts the file back. Writers of
this process wait for it in the lock's queue, as for any other writer: a pause of 15-40 ms about
every ten seconds at full load, instead of a log that fills the disk (and keeps old page images
of anonymised cases).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from yhteys.sqlite_writes import WriterLock

log = logging.getLogger(__name__)

# About what SQLite's 1000 pages take under a steady stream of submissions.
CHECKPOINT_EVERY_SECONDS = 1.0
# Frames (pages of 4 KiB) in the log past which it is started again: 64 MiB, about ten seconds
# of submissions at full speed, so that the pause comes seldom enough to stay out of the p99.
RESTART_AFTER_FRAMES = 16384
# What the log file is cut back to when it starts again, in bytes (PRAGMA journal_size_limit).
LOG_SIZE_LIMIT = 64 * 1024 * 1024
# How long the restart waits for readers of older frames, with this process's writers queued.
RESTART_WAIT_SECONDS = 0.2


class Checkpointer:
    """Checkpoints the database file at `path` while its process commits."""

    def __init__(self, path: str, every: float | None = None) -> None:
        self._path = path
        self._every = every or CHECKPOINT_EVERY_SECONDS
        # The engine's writer lock, set once it exists (it calls `committed`, so comes after).
        self.writer: WriterLock | None = None
        self._mutex = threading.Lock()
        self._committed = False
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """A write transaction committed: checkpoint within `every` seconds. Cheap: no I/O."""
        with self._mutex:
            self._committed = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        pause = threading.Event()
        connection: sqlite3.Connection | None = None
        try:
            while True:
                pause.wait(self._every)
                with self._mutex:
                    if not self._committed:
                        self._thread = None  # the next commit starts a new thread
                        return
                    self._committed = False
                try:
                    connection = connection or self._connect()
                    _busy, frames, _copied = connection.execute(
                        "PRAGMA wal_checkpoint(PASSIVE)"
                    ).fetchone()
                    if frames >= RESTART_AFTER_FRAMES:
                        self._restart(connection)
                except sqlite3.Error as exc:  # the next round tries again
                    log.warning("write-ahead log checkpoint failed: %s", type(exc).__name__)
        finally:
            if connection is not None:
                connection.close()

    def _restart(self, connection: sqlite3.Connection) -> None:
        """Copy the rest of the log and have the next writer start it again; see the docstring.
        A reader that outlasts the wait leaves the log as it is, for the next round."""
        writer = self.writer
        if writer is not None and not writer.acquire(connection, RESTART_WAIT_SECONDS):
            return  # a long write of this process is under way: the next round
        try:
            connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        finally:
            if writer is not None:
                writer.release(connection)

    def _connect(self) -> sqlite3.Connection:
        # Not through the engine's pool: this connection never writes, and "mode=rw" never
        # creates a file where a database was removed meanwhile (a test's, a restore's).
        uri = Path(self._path).resolve().as_uri() + "?mode=rw"
        connection = sqlite3.connect(
            uri, uri=True, check_same_thread=False, timeout=RESTART_WAIT_SECONDS
        )
        connection.execute(f"PRAGMA journal_size_limit={LOG_SIZE_LIMIT}")
        return connection
