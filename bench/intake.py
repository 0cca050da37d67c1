"""Form submissions per second and latency against uvicorn, on SQLite and PostgreSQL.

    .venv/bin/python bench/intake.py [--db sqlite|postgres|both] [--seconds 20] [--connections 4,16]

Starts `yhteys serve` on a fresh database, fetches a real form (cookie, CSRF token), then lets
wrk (Debian package `wrk`) post complete social-services requests from 4, then 16 connections,
each with its own idempotency key, so every post makes a new case. Prints requests/s and
p50/p90/p99 for each (the tail matters most on SQLite, whose writers take turns), then
checks that the database holds exactly one case per successful post.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
FORM_PATH = "/fi/request/social-services"

LUA = r"""
local chars = "0123456789abcdef"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local function key()
  local t = {}
  for i = 1, 32 do
    local n = math.random(1, 16)
    t[i] = chars:sub(n, n)
  end
  return table.concat(t)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "%(cookie)s"
wrk.headers["Origin"] = "%(origin)s"
-- Each person sends one form from their own phone: a new connection per submission, which also
-- spreads the posts over the web processes as a real load balancer would.
wrk.headers["Connection"] = "close"
local template = "%(body)s"
request = function()
  local body = template:gsub("IDEMPOTENCYKEY", key())
  return wrk.format(nil, "%(path)s", nil, body)
end
local counts = {}
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    name = f"yhteys_bench_{os.getpid()}"
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def count_cases(url: str) -> int:
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.connect() as conn:
        value = conn.execute(text('SELECT count(*) FROM "case"')).scalar_one()
    engine.dispose()
    return int(value)


def start_server(url: str, workdir: Path, port: int, workers: int,
                 **overrides: str) -> subprocess.Popen:
    """`yhteys serve` on `url`, its rate limits out of the way; `overrides` are more of its
    environment (a benchmark that makes sessions in its own process passes its SECRET_KEY)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        VAR_DIR=str(workdir / "var"),
        PORT=str(port),
        HOST="127.0.0.1",
        BASE_URL=f"http://127.0.0.1:{port}",
        RATE_LIMIT_SUBMISSIONS="1000000000",
        RATE_LIMIT_SUBMISSIONS_PER_ADDRESS="1000000000",
        LOG_LEVEL="WARNING",
        WEB_WORKERS=str(workers),
    )
    env.update(overrides)
    if workers > 1:
        env["REDIS_URL"] = REDIS
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "yhteys"), "serve", "--migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return process
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def fetch_form(port: int) -> tuple[str, dict[str, str]]:
    """The CSRF cookie and the hidden fields of a freshly rendered form."""
    response = urllib.request.urlopen(f"http://127.0.0.1:{port}{FORM_PATH}", timeout=5)  # noqa: S310
    cookie = response.headers.get("set-cookie", "").split(";", 1)[0]
    html = response.read().decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return cookie, hidden


def form_body(hidden: dict[str, str]) -> str:
    fields = dict(hidden)
    fields.update(BENCH_FIELDS)
    fields["idempotency_key"] = "IDEMPOTENCYKEY"
    return urllib.parse.urlencode(list(_flatten(fields)))


def _flatten(fields: dict[str, str | list[str]]):  # noqa: ANN202
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            yield name, item


# A complete, valid social-services request (the field names of the rendered form).
BENCH_FIELDS: dict[str, str | list[str]] = {
    "name": "Bench",
    "language": "ar",
    "interpreter_needed": "yes",
    "interpreter_language": "ar",
    "message": "I need advice about housing, please.\nThank you.",
    "contact_channel": "email",
    "contact_address_email": "c.IDEMPOTENCYKEY@example.org",  # one client per post
    "contact_address_phone": "",
    "may_leave_message": "yes",
    "backup_channel": "",
    "consents.process": "yes",
    "details.no_place_tonight": "yes",
    "details.topics": ["housing", "legal_status"],
    "details.municipality": "Helsinki",
    "details.children_with_you": "yes",
    "details.children_count": "2",
}


def run_wrk(port: int, cookie: str, body: str, seconds: int, connections: int) -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    escaped = body.replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(
        LUA
        % {
            "cookie": cookie,
            "origin": f"http://127.0.0.1:{port}",
            "body": escaped,
            "path": FORM_PATH,
        }
    )
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    script.unlink()
    return parse_wrk(output)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> dict[str, float]:
    result: dict[str, float] = {}
    for pct in ("50", "90", "99"):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if match:
            result[f"p{pct}_ms"] = _ms(match.group(1), match.group(2))
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    result["requests"] = float(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["errors"] = float(non2xx.group(1)) if non2xx else 0.0
    return result


def bench(kind: str, seconds: int, connections: int, workers: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-intake-{kind}-"))
    url = create_database(kind, workdir)
    port = free_port()
    server = start_server(url, workdir, port, workers)
    try:
        cookie, hidden = fetch_form(port)
        numbers = run_wrk(port, cookie, form_body(hidden), seconds, connections)
        cases = count_cases(url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    ok = numbers["requests"] - numbers["errors"]
    print(
        f"{kind:8} workers={workers} connections={connections}: "
        f"{numbers['rps']:.0f} submissions/s, p50 {numbers.get('p50_ms', 0):.1f} ms, "
        f"p90 {numbers.get('p90_ms', 0):.1f} ms, p99 {numbers.get('p99_ms', 0):.1f} ms, "
        f"errors {numbers['errors']:.0f}, cases stored {cases} of {ok:.0f} accepted"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", default="4,16", help="comma-separated, one run each")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/intake.py needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    for kind in kinds:
        workers = 1 if kind == "sqlite" else args.workers
        for connections in (int(n) for n in args.connections.split(",")):
            bench(kind, args.seconds, connections, workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
