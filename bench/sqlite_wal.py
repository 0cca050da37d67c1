"""The embedded default's write-ahead log under a steady stream of submissions.

    .venv/bin/python bench/sqlite_wal.py [--seconds 60] [--connections 16]

Starts `yhteys serve` on a fresh SQLite file (1 process), posts complete forms from wrk for the
given time, and every 5 seconds prints the sizes of the database, its `-wal` log and `-shm`
index. Then it prints the largest log seen, the log's size 5 s after the load ended, and the
submissions' rate and p99. The log must stay bounded: a log that only grows fills the disk in a
surge, and keeps old page images of anonymised cases on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

# bench/submissions.py loads bench/intake.py under a name that is not the package's.
from submissions import intake_bench

MIB = 1024 * 1024


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _watch(db: Path, stop: threading.Event, seen: list[int]) -> None:
    started = time.monotonic()
    while not stop.wait(5):
        wal, shm = _size(Path(f"{db}-wal")), _size(Path(f"{db}-shm"))
        seen.append(wal)
        print(
            f"  {time.monotonic() - started:5.0f} s: database {_size(db) / MIB:7.1f} MiB, "
            f"log {wal / MIB:7.1f} MiB, index {shm / MIB:5.2f} MiB",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-wal-"))
    url = intake_bench.create_database("sqlite", workdir)
    db = workdir / "bench.db"
    port = intake_bench.free_port()
    server = intake_bench.start_server(url, workdir, port, 1)
    stop, seen = threading.Event(), [0]
    try:
        cookie, hidden = intake_bench.fetch_form(port)
        watcher = threading.Thread(target=_watch, args=(db, stop, seen))
        watcher.start()
        numbers = intake_bench.run_wrk(
            port, cookie, intake_bench.form_body(hidden), args.seconds, args.connections
        )
        time.sleep(5)
        stop.set()
        watcher.join()
        after = _size(Path(f"{db}-wal"))
        cases = intake_bench.count_cases(url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"sqlite, {args.connections} connections, {args.seconds} s: "
        f"{numbers['rps']:.0f} submissions/s, p50 {numbers.get('p50_ms', 0):.1f} ms, "
        f"p99 {numbers.get('p99_ms', 0):.1f} ms, {cases} cases; "
        f"log at most {max(seen) / MIB:.1f} MiB, {after / MIB:.1f} MiB 5 s after the load, "
        f"{max(seen) / max(cases, 1) / 1024:.0f} KiB of log per case at its largest"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
