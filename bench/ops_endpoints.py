"""What /readyz and /metrics cost, on SQLite and PostgreSQL, with a realistic outbox.

    .venv/bin/python bench/ops_endpoints.py [--rows 100000] [--unsent 200] [--runs 300]

For each database: a database of its own, migrated; `--rows` sent notifications and `--unsent`
pending ones; then the app in process. Prints p50/p95 of: the readiness checks run afresh (what
one probe costs every 2 s), /readyz over HTTP (mostly the cached answer), the metrics exposition,
and /metrics over HTTP (the scrape, outbox query included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-key-0123456789abcdef0123456789"  # noqa: S105 - a throwaway database


def timed(run: Callable[[], object], runs: int) -> str:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95)]
    return f"p50 {statistics.median(samples):6.2f} ms  p95 {p95:6.2f} ms"


def seed(url: str, rows: int, unsent: int) -> None:
    from notify.models import Notification
    from yhteys.clock import now
    from yhteys.db import engine_for, table_of

    at = now()
    batch = []
    for n in range(rows + unsent):
        state = "pending" if n >= rows else "sent"
        # sent over the last days; the unsent ones queued in the last minutes (a healthy outbox)
        made = at - (timedelta(minutes=n % 5000 + 10) if n < rows else timedelta(seconds=n - rows))
        batch.append(Notification(
            event="case_received", channel="email", recipient=f"p{n}@example.org", locale="fi",
            subject_key=f"case:{n}", reference="K7M-4QX-P9T", state=state, created_at=made,
            next_attempt_at=made, updated_at=made).model_dump(exclude={"id"}))
        if len(batch) == 5000:
            with engine_for(url).begin() as conn:
                conn.execute(insert(table_of(Notification)), batch)
            batch = []
    if batch:
        with engine_for(url).begin() as conn:
            conn.execute(insert(table_of(Notification)), batch)
    if url.startswith("postgresql"):
        with engine_for(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE notification"))


def measure(name: str, url: str, var: Path, args: argparse.Namespace) -> None:
    from starlette.testclient import TestClient

    from yhteys import health, metrics
    from yhteys.app import create_app
    from yhteys.migrate import upgrade
    from yhteys.settings import Settings, set_settings

    settings = Settings(env="test", database_url=url, secret_key=SECRET, var_dir=var,
                        upload_dir=var / "uploads", mail_dir=var / "mail")
    set_settings(settings)
    upgrade(url)
    seed(url, args.rows, args.unsent)
    client = TestClient(create_app(settings), client=("127.0.0.1", 9000))
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200

    def fresh() -> None:
        health.forget()
        health.readiness()

    print(f"{name}: {args.rows} sent + {args.unsent} unsent notifications")
    print(f"  readiness checks, afresh   {timed(fresh, args.runs)}")
    print(f"  GET /readyz (cached 2 s)   {timed(lambda: client.get('/readyz'), args.runs)}")
    print(f"  metrics exposition         {timed(metrics.exposition, args.runs)}")
    print(f"  GET /metrics               {timed(lambda: client.get('/metrics'), args.runs)}")
    print(f"  /metrics body              {len(client.get('/metrics').content)} bytes")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--unsent", type=int, default=200)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp), args)
    name = f"yhteys_bench_ops_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            measure("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", Path(tmp), args)
    finally:
        from yhteys.db import engine_for

        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
