"""CPU time per form submission in the real server, under load: steadier than requests/s here.

    .venv/bin/python bench/submission_cpu.py [--seconds 15] [--workers 2] [--connections 16]

Starts `yhteys serve` as bench/submissions.py does (PostgreSQL, Redis, 2 web processes), warms it
for a few seconds, then lets wrk post complete social-services requests and reads from /proc the
CPU time the web processes and their PostgreSQL backends spent. Requests/s on a machine whose
cores other work shares moves with that work; the CPU time one submission costs moves much less,
so this is the figure to compare before and after a change (the ceiling's share is
bench/submissions.py). Linux only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WARM_SECONDS = 3


# bench/submissions.py loads bench/intake.py under a name that is not the package's.
from submissions import intake_bench  # noqa: E402


def _cpu_seconds(pids: list[str]) -> float:
    """User and system time of these processes so far (those gone since count nothing)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _pids(*pgrep_args: str) -> list[str]:
    found = subprocess.run(["pgrep", *pgrep_args], capture_output=True, text=True, check=False)
    return found.stdout.split()


class _Backends(threading.Thread):
    """The CPU time of this database's backends, looked at every quarter second: the pool
    opens and closes connections during a run, and a backend's time is gone with it."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.done = threading.Event()
        self._look(at_start=True)

    def _look(self, *, at_start: bool = False) -> None:
        for pid in _pids("-f", self.database):
            used = _cpu_seconds([pid])
            self.first.setdefault(pid, used if at_start else 0.0)
            self.last[pid] = used

    def run(self) -> None:
        while not self.done.wait(0.25):
            self._look()

    def used(self) -> float:
        self.done.set()
        self.join()
        self._look()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)

    @property
    def seen(self) -> int:
        return len(self.last)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/submission_cpu.py needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-cpu-"))
    url = intake_bench.create_database("postgres", workdir)
    port = intake_bench.free_port()
    server = intake_bench.start_server(url, workdir, port, args.workers)
    try:
        cookie, hidden = intake_bench.fetch_form(port)
        body = intake_bench.form_body(hidden)
        intake_bench.run_wrk(port, cookie, body, WARM_SECONDS, args.connections)
        web = _pids("-g", str(server.pid))  # the supervisor and its web processes
        backends = _Backends(url.rsplit("/", 1)[1])
        web_before = _cpu_seconds(web)
        backends.start()
        numbers = intake_bench.run_wrk(port, cookie, body, args.seconds, args.connections)
        web_used = _cpu_seconds(web) - web_before
        database_used = backends.used()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        intake_bench.drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    requests = numbers["requests"]
    print(f"postgres, {args.workers} web process(es), {args.connections} connections: "
          f"{numbers['rps']:.0f}/s, p50 {numbers.get('p50_ms', 0):.1f} ms, "
          f"p99 {numbers.get('p99_ms', 0):.1f} ms, errors {numbers['errors']:.0f}")
    print(f"  web processes  {1000 * web_used / requests:6.2f} ms CPU per submission")
    print(f"  postgres       {1000 * database_used / requests:6.2f} ms CPU per submission "
          f"({backends.seen} backends seen)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
