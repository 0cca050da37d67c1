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
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# About what SQLite's 1000 pages take under a steady stream of submissions.
CHECKPOINT_EVERY_SECONDS = 1.0


class Checkpointer:
    """Checkpoints the database file at `path` while its process commits."""

    def __init__(self, path: str, every: float = CHECKPOINT_EVERY_SECONDS) -> None:
        self._path = path
        self._every = every
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
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the next round tries again
                    log.warning("write-ahead log checkpoint failed: %s", type(exc).__name__)
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> sqlite3.Connection:
        # Not through the engine's pool: this connection never writes, and "mode=rw" never
        # creates a file where a database was removed meanwhile (a test's, a restore's).
        uri = Path(self._path).resolve().as_uri() + "?mode=rw"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
