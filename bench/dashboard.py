"""Dashboard latency at 100,000 and 1,000,000 cases on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--sizes 100000,1000000] [--requests 60] [--keep]
                                        [--reuse DATABASE]

Seeds each size as bench/board.py does (a database of its own, migrated with Alembic, staff
made through the accounts functions, cases in SQL with generate_series: a fifth of them in the
last three weeks, the rest spread over two years), then adds what the dashboard reads: the
stored business minutes of each first response and resolution, the SLA clock of every case and
a breach for one case in twenty. Then the daily tallies are stored, as the dashboard-rollup job
stores them after an upgrade (timed), and the real app, in process, with a real logged-in
supervisor: each request goes through authentication, the audit trail and the template. Prints
p50/p95/max of the default view (the last 30 days) and of filtered views, and the plans of the
slowest statements of one request.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import board  # noqa: E402 - the seeding and measuring of the board's bench

EXTRA = """
UPDATE "case" SET
    first_response_business_minutes = CASE WHEN first_response_at IS NOT NULL
        THEN 30 + (id::bigint * 7919) % 1200 END,
    resolution_business_minutes = CASE WHEN state = 'closed'
        THEN 60 + (id::bigint * 104729) % 6000 END;
INSERT INTO case_clock (case_id, elapsed, running_since, stopped_at)
    SELECT id,
           CASE WHEN state IN ('closed', 'waiting_client')
                THEN 60 * (60 + (id::bigint * 104729) % 6000) ELSE 0 END,
           CASE WHEN state IN ('closed', 'waiting_client') THEN NULL ELSE created_at END,
           CASE WHEN state IN ('closed', 'waiting_client') THEN coalesce(closed_at, created_at)
                END
    FROM "case";
INSERT INTO sla_breach (case_id, target, due_at, detected_at)
    SELECT id, 'first_response', first_response_due_at, first_response_due_at
    FROM "case" WHERE id % 20 = 0
"""


def seed_extra(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for statement in EXTRA.split(";\n"):
            if statement.strip():
                conn.execute(text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def run_size(n: int, requests: int, keep: bool, reuse: str = "") -> None:
    from sqlmodel import Session
    from starlette.testclient import TestClient

    from triage.accounts import sessions
    from triage.accounts.models import StaffUser
    from triage.dashboard import rollup
    from yhteys import heap
    from yhteys.app import create_app
    from yhteys.db import engine_for
    from yhteys.migrate import upgrade
    from yhteys.settings import Settings, set_settings

    name = reuse or f"yhteys_dashboard_bench_{n}_{os.getpid()}"
    url = board.PG_ADMIN.rsplit("/", 1)[0] + f"/{name}" if reuse else board.create_database(name)
    try:
        var_dir = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
        settings = replace(Settings(), env="bench", database_url=url, secret_key=board.SECRET,
                           base_url="http://testserver", var_dir=var_dir,
                           upload_dir=var_dir / "uploads", mail_dir=var_dir / "mail")
        set_settings(settings)
        print(f"\n== {n:,} cases ==")
        upgrade(url)
        if reuse:
            staff = board.existing_staff(url)
        else:
            staff = board.make_staff(url)
            seconds = board.seed_cases(url, n, staff)
            seed_extra(url)
            print(f"  seeded in {seconds:.1f} s")
        # What the dashboard-rollup job does in the background after an upgrade: count
        # every past day once (then only the days changed since, each minute).
        started = time.perf_counter()
        days = rollup.run(seconds=float("inf"))
        print(f"  stored the tallies of {days} days in {time.perf_counter() - started:.1f} s")
        engine = engine_for(url)
        with engine.connect() as conn:
            recent = conn.execute(text(
                "SELECT count(*) FROM \"case\" WHERE created_at > now() - interval '30 days'"
            )).scalar()
        print(f"  cases in the last 30 days: {recent:,}")

        app = create_app(settings)
        heap.settle_after_startup()  # as `yhteys serve` does once it has started
        with Session(engine, expire_on_commit=False) as db:
            user = db.get(StaffUser, staff["supervisor"])
            token = sessions.start(db, user, stage=sessions.FULL)
            db.commit()
        client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        client.cookies.set(sessions.COOKIE_NAME, token, domain="testserver.local",
                           path="/triage")
        client.headers["accept-language"] = "fi"
        tracing = staff["teams"]["Tracing"]
        scenarios = [
            ("/triage/dashboard", "dashboard, default (last 30 days)"),
            (f"/triage/dashboard?team={tracing}&priority=normal&language=fi",
             "dashboard, team + priority + language"),
            ("/triage/dashboard?kind=tracing&channel=email", "dashboard, kind + channel"),
        ]
        for path, label in scenarios:
            board.report(label, board.measure(client, path, requests))
        board.explain_request(engine, client, "/triage/dashboard", "dashboard", top=3)
    finally:
        set_settings(None)
        if keep or reuse:
            print(f"kept database {name}")
        else:
            board.drop_database(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", default="", metavar="DATABASE",
                        help="measure a database kept by --keep (one size) instead of seeding")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, args.requests, args.keep, args.reuse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
