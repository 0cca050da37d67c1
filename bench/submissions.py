"""Submissions per second: the bare-framework ceiling and Yhteys side by side, in one run.

    .venv/bin/python bench/submissions.py [--db sqlite|postgres|both] [--seconds 15]

For each database: the ceiling (bench/ceiling.py under uvicorn), on PostgreSQL the floor
(bench/floor.py: the ceiling plus the statements and Redis calls of a Yhteys submission), and
then Yhteys (`yhteys serve`), on fresh databases, each loaded by wrk with the same complete
social-services form, a new connection per submission (each person posts from her own phone).
PostgreSQL: 2 web processes, 16 connections. SQLite (the embedded default): 1 process, at 4 and
at 16 connections. Prints requests/s and p50/p90/p99 of each, the floor's and Yhteys's share of
the ceiling and the CPU time the web processes of each spent per submission (steadier than
latency when other work shares the cores). After the Yhteys runs it checks that every accepted
post made exactly one case.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import redis
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load(name: str):  # noqa: ANN202 - bench/intake.py shares its name with the package
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


intake_bench = _load("intake")


def start_ceiling(url: str, port: int, workers: int, app: str = "ceiling") -> subprocess.Popen:
    """bench/ceiling.py, or bench/floor.py with `app="floor"`, under uvicorn on `url`."""
    # In this process as well as the server's: the module reads them as it loads, for its tables.
    os.environ.update({f"{app.upper()}_DATABASE_URL": url, "FLOOR_REDIS_URL": intake_bench.REDIS})
    module = _load(app)
    engine = create_engine(url)
    module.metadata.create_all(engine)
    engine.dispose()
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "uvicorn"), f"bench.{app}:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         "--no-access-log"],
        cwd=ROOT, env=dict(os.environ),
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/form", timeout=1)  # noqa: S310
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the ceiling app did not start")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def run_ceiling(kind: str, seconds: int, connections: int, workers: int,
                app: str = "ceiling") -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{app}-{kind}-"))
    url = intake_bench.create_database(kind, workdir)
    port = intake_bench.free_port()
    server = start_ceiling(url, port, workers, app)
    try:
        cpu_before = _cpu_seconds(server.pid)
        body = intake_bench.form_body({})
        numbers = _wrk(port, "", body, seconds, connections, {"path": "/submit"})
        numbers["cpu_ms"] = 1000 * (_cpu_seconds(server.pid) - cpu_before) / max(
            1.0, numbers["requests"])
        return numbers
    finally:
        _stop(server)
        intake_bench.drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
        if app == "floor":  # what it queued stays in Redis otherwise
            redis.Redis.from_url(intake_bench.REDIS).delete("floor:queue", "floor:limit")


def _wrk(port: int, cookie: str, body: str, seconds: int, connections: int,
         script_vars: dict[str, str]) -> dict[str, float]:
    original = intake_bench.FORM_PATH
    intake_bench.FORM_PATH = script_vars["path"]
    try:
        return intake_bench.run_wrk(port, cookie, body, seconds, connections)
    finally:
        intake_bench.FORM_PATH = original


def _cpu_seconds(group: int) -> float:
    """CPU time (user + system) of the server's processes so far: the process group its
    session leader heads. Linux /proc; NaN elsewhere. Far steadier than latency on a shared
    machine: what one submission costs, whoever else is using the cores."""
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
            found = True
    return total / os.sysconf("SC_CLK_TCK") if found else float("nan")


def run_yhteys(kind: str, seconds: int, connections: int, workers: int) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-yhteys-{kind}-"))
    url = intake_bench.create_database(kind, workdir)
    port = intake_bench.free_port()
    server = intake_bench.start_server(url, workdir, port, workers)
    try:
        cookie, hidden = intake_bench.fetch_form(port)
        cpu_before = _cpu_seconds(server.pid)
        numbers = _wrk(port, cookie, intake_bench.form_body(hidden), seconds, connections,
                       {"path": intake_bench.FORM_PATH})
        spent = _cpu_seconds(server.pid) - cpu_before
        numbers["cpu_ms"] = 1000 * spent / max(1.0, numbers["requests"])
        numbers["cases"] = float(intake_bench.count_cases(url))
    finally:
        _stop(server)
        intake_bench.drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return numbers


def _line(label: str, n: dict[str, float]) -> str:
    return (f"  {label:8} {n['rps']:7.0f}/s  p50 {n.get('p50_ms', 0):6.1f} ms  "
            f"p90 {n.get('p90_ms', 0):6.1f} ms  p99 {n.get('p99_ms', 0):7.1f} ms  "
            f"errors {n['errors']:.0f}")


def compare(kind: str, seconds: int, connections: int, workers: int) -> None:
    ceiling = run_ceiling(kind, seconds, connections, workers)
    # The floor makes Yhteys's Redis calls: only where Yhteys has Redis, several processes.
    floor = run_ceiling(kind, seconds, connections, workers, "floor") if workers > 1 else None
    yhteys = run_yhteys(kind, seconds, connections, workers)
    accepted = yhteys["requests"] - yhteys["errors"]
    print(f"{kind}, {workers} process(es), {connections} connections, a new connection each:")
    print(_line("ceiling", ceiling))
    if floor is not None:
        print(_line("floor", floor))
    print(_line("yhteys", yhteys) + f"  cases {yhteys['cases']:.0f} of {accepted:.0f} accepted")
    used = {"ceiling": ceiling, "floor": floor, "yhteys": yhteys}
    print("  CPU per submission of the web processes: " + ", ".join(
        f"{name} {n['cpu_ms']:.2f} ms" for name, n in used.items() if n is not None))
    print("  (Yhteys's jobs queued meanwhile may run after the run)")
    if floor is not None:
        print(f"  the floor is {100 * floor['rps'] / ceiling['rps']:.0f} % of the ceiling; "
              f"yhteys is {100 * yhteys['rps'] / floor['rps']:.0f} % of the floor")
    print(f"  yhteys is {100 * yhteys['rps'] / ceiling['rps']:.0f} % of the ceiling")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/submissions.py needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    if args.db in ("postgres", "both"):
        compare("postgres", args.seconds, 16, 2)
    if args.db in ("sqlite", "both"):
        for connections in (4, 16):
            compare("sqlite", args.seconds, connections, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
