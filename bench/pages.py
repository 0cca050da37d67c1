"""Public pages per second against uvicorn, beside a bare Starlette page as the ceiling.

    .venv/bin/python bench/pages.py [--db sqlite|postgres|both] [--seconds 5] [--locale fi]

Starts, in one run, a bare Starlette app serving a fixed page of the same size (the ceiling: what
one uvicorn process can do at all on this machine) and `yhteys serve` with one process on a fresh
database, then lets wrk (Debian package `wrk`) fetch each public page -- the start page, every
form, the hours page -- at 1 and 16 connections, as a phone's first visit does (no cookie,
gzip accepted). Prints requests/s, p50/p90/p99 and Yhteys' share of the ceiling.
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

ROOT = Path(__file__).resolve().parent.parent


def _intake_bench():  # noqa: ANN202 - bench/intake.py, whose helpers start the same server
    spec = importlib.util.spec_from_file_location("bench_intake", ROOT / "bench" / "intake.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_bench = _intake_bench()
create_database, drop_database = _bench.create_database, _bench.drop_database
free_port, parse_wrk, start_server = _bench.free_port, _bench.parse_wrk, _bench.start_server

CONNECTIONS = (1, 16)
KIND_SLUGS = ("family-reunification", "tracing", "social-services", "other")

# The ceiling: a page of fixed bytes, no middleware, no template, no database.
CEILING_APP = """
import os
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

BODY = "<!doctype html><title>ceiling</title>" + "x" * int(os.environ["CEILING_BYTES"])

async def page(request):
    return HTMLResponse(BODY)

app = Starlette(routes=[Route("/{path:path}", page)])
"""


def public_pages(locale: str) -> list[tuple[str, str]]:
    pages = [("start", f"/{locale}/")]
    pages += [(f"form {slug}", f"/{locale}/request/{slug}") for slug in KIND_SLUGS]
    pages.append(("hours", f"/{locale}/hours"))
    return pages


def start_ceiling(workdir: Path, port: int, size: int) -> subprocess.Popen:
    (workdir / "ceiling_app.py").write_text(CEILING_APP)
    env = dict(os.environ, CEILING_BYTES=str(size))
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "uvicorn"), "--app-dir", str(workdir), "ceiling_app:app",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         "--no-server-header"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    wait_until_up(port, "/")
    return process


def wait_until_up(port: int, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def page_size(port: int, path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:  # noqa: S310
        return len(resp.read())


def run_wrk(port: int, path: str, seconds: int, connections: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", "Accept-Encoding: gzip, deflate, br", "-H", "Accept-Language: fi",
         f"http://127.0.0.1:{port}{path}"],
        check=True, capture_output=True, text=True,
    ).stdout
    return parse_wrk(output)


def line(label: str, numbers: dict[str, float], ceiling: dict[str, float] | None) -> str:
    share = f"{numbers['rps'] / ceiling['rps']:6.1%}" if ceiling else "      "
    errors = f"  errors {numbers['errors']:.0f}" if numbers["errors"] else ""
    return (
        f"  {label:28} {numbers['rps']:8.0f}/s  p50 {numbers.get('p50_ms', 0):6.1f}  "
        f"p90 {numbers.get('p90_ms', 0):6.1f}  p99 {numbers.get('p99_ms', 0):7.1f} ms  "
        f"{share}{errors}"
    )


def bench(kind: str, seconds: int, locale: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-pages-{kind}-"))
    url = create_database(kind, workdir)
    port, ceiling_port = free_port(), free_port()
    server = start_server(url, workdir, port, workers=1)
    ceiling_server = None
    try:
        pages = public_pages(locale)
        size = page_size(port, pages[1][1])
        ceiling_server = start_ceiling(workdir, ceiling_port, size)
        for path in (p for _label, p in pages):  # warm up: templates compiled, caches filled
            run_wrk(port, path, 1, 4)
        run_wrk(ceiling_port, "/", 1, 4)
        for connections in CONNECTIONS:
            print(f"{kind}, one process, {connections} connection(s):  requests/s, latency, "
                  "share of the ceiling")
            ceiling = run_wrk(ceiling_port, "/", seconds, connections)
            print(line(f"ceiling ({size} bytes)", ceiling, None))
            for label, path in pages:
                print(line(label, run_wrk(port, path, seconds, connections), ceiling))
    finally:
        for process in (server, ceiling_server):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--locale", default="fi")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/pages.py needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        bench(kind, args.seconds, args.locale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
