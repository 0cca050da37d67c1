"""Resident memory of one web process over 10,000 submissions: it should stop growing.

    .venv/bin/python bench/memory.py [--db sqlite|postgres] [--count 10000] [--every 1000]

Starts `yhteys serve` (one process; SQLite by default, the embedded mode with its in-process
worker sending every acknowledgement to the console sink) on a fresh database, posts complete
social-services requests from 8 threads, and prints the process's resident size (VmRSS, with
its children's none: the web process is the one measured) after every `--every` submissions,
then the growth from the first mark to the last.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# bench/submissions.py loads bench/intake.py under a name that is not the package's.
from submissions import intake_bench  # noqa: E402


def resident_kib(pid: int) -> dict[str, int]:
    """VmRSS and its parts: anonymous memory (the heaps, Python's and the C libraries'), and
    mapped files (the program and its libraries, SQLite's -shm index)."""
    wanted = {"VmRSS:": "all", "RssAnon:": "anonymous", "RssFile:": "files"}
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name = line.split(maxsplit=1)[0] if line else ""
        if name in wanted:
            found[wanted[name]] = int(line.split()[1])
    if "all" not in found:
        raise RuntimeError("no VmRSS")
    return found


def _shown(kib: dict[str, int]) -> str:
    return (f"{kib['all'] / 1024:7.1f} MiB (anonymous {kib.get('anonymous', 0) / 1024:.1f}, "
            f"files {kib.get('files', 0) / 1024:.1f})")


def web_pid(server: subprocess.Popen) -> int:
    """The process that answers: `yhteys serve` itself when it runs one web process."""
    return server.pid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    url = intake_bench.create_database(args.db, workdir)
    port = intake_bench.free_port()
    server = intake_bench.start_server(url, workdir, port, 1)
    try:
        cookie, hidden = intake_bench.fetch_form(port)
        target = f"http://127.0.0.1:{port}{intake_bench.FORM_PATH}"

        def post(_n: int) -> int:
            key = uuid.uuid4().hex
            fields = {**hidden, **intake_bench.BENCH_FIELDS, "idempotency_key": key,
                      "contact_address_email": f"c.{key}@example.org"}
            body = urllib.parse.urlencode(list(intake_bench._flatten(fields))).encode()
            request = urllib.request.Request(target, data=body, headers={
                "Cookie": cookie, "Origin": f"http://127.0.0.1:{port}",
                "Content-Type": "application/x-www-form-urlencoded"})
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status

        pid = web_pid(server)
        marks = [(0, resident_kib(pid))]
        print(f"start: {_shown(marks[0][1])}")
        with ThreadPoolExecutor(8) as pool:
            for done in range(args.every, args.count + 1, args.every):
                statuses = list(pool.map(post, range(args.every)))
                bad = sum(s != 200 for s in statuses)
                marks.append((done, resident_kib(pid)))
                print(f"after {done:6d} submissions: {_shown(marks[-1][1])}"
                      + (f"  ({bad} refused)" if bad else ""))
        first, last = marks[1][1], marks[-1][1]
        print(f"growth from {marks[1][0]} to {marks[-1][0]} submissions: "
              f"{(last['all'] - first['all']) / 1024:+.1f} MiB (anonymous "
              f"{(last.get('anonymous', 0) - first.get('anonymous', 0)) / 1024:+.1f}, files "
              f"{(last.get('files', 0) - first.get('files', 0)) / 1024:+.1f})")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        intake_bench.drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
