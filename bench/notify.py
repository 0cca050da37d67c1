"""Notifications per second from the outbox to an SMTP server, and whether the relay keeps up.

    .venv/bin/python bench/notify.py [--rows 3000] [--threads 8] [--rate 400] [--seconds 10]

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (database 13 is flushed).

1. Throughput: `--rows` outbox rows are written, then handed to Redis at once, and 1 and then 2
   `yhteys worker` processes send them to an aiosmtpd server (in its own process). Prints
   emails/s from the first hand-over to the last row marked sent, and checks that the SMTP server
   received each message exactly once.
2. Relay: rows are inserted at `--rate` per second for `--seconds`, one transaction each, while
   the inserting process's Redis is unreachable (so every row is left for the relay), with a
   `yhteys relay` process and 2 workers running. Prints the insert rate achieved, how long rows
   waited for the relay (p50/p99/max) and for delivery, and the backlog at the end.
3. Relay capacity: 4000 rows left for the relay, handed over by one relay with nothing else
   running.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("BENCH_NOTIFY_REDIS_URL", "redis://127.0.0.1:6379/13")
PY = sys.executable
INSERTERS = 8  # concurrent submitting threads, like web requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the SMTP sink (runs in its own process: `bench/notify.py --smtp-sink PORT COUNTFILE`) ------
def smtp_sink(port: int, count_file: str) -> None:
    from aiosmtpd.controller import Controller

    seen: dict[str, int] = {}

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            for line in envelope.content.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    key = line.split(b":", 1)[1].strip().decode()
                    seen[key] = seen.get(key, 0) + 1
                    break
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def dump() -> None:
        total, doubles = sum(seen.values()), sum(1 for n in seen.values() if n > 1)
        Path(count_file).write_text(f"{total} {len(seen)} {doubles}")

    while not stop.wait(0.2):
        dump()
    controller.stop()
    dump()


def sink_counts(count_file: Path) -> tuple[int, int, int]:
    try:
        total, unique, doubles = count_file.read_text().split()
    except (FileNotFoundError, ValueError):
        return 0, 0, 0
    return int(total), int(unique), int(doubles)


# -- set-up ------------------------------------------------------------------------------------
def create_database() -> str:
    name = f"yhteys_bench_notify_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    from yhteys.db import engine_for

    engine_for.cache_clear()
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def child_env(settings) -> dict[str, str]:  # noqa: ANN001
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": REDIS,
        "SMTP_URL": settings.smtp_url,
        "BASE_URL": settings.base_url,
        "VAR_DIR": str(settings.var_dir),
        "LOG_LEVEL": "WARNING",
    }


def start_workers(settings, count: int, threads: int) -> list[subprocess.Popen]:  # noqa: ANN001
    return [
        subprocess.Popen(
            [PY, "-m", "yhteys.cli", "worker", "--threads", str(threads)],
            cwd=ROOT, env=child_env(settings),
        )
        for _ in range(count)
    ]


def stop_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def insert_rows(count: int, prefix: str) -> list[int]:
    """Outbox rows written in batches; not handed over (the bench hands them over itself)."""
    from sqlmodel import Session

    from notify.outbox import _PENDING_KEY, queue_notification
    from yhteys.db import get_engine

    ids: list[int] = []
    with Session(get_engine()) as session:
        for n in range(count):
            ref = f"B{n % 1000:03d}-BEN-CH0"
            row = queue_notification(
                session, event="case_received", channel="email",
                recipient=f"client{n}@bench.example", locale=("fi", "sv", "en")[n % 3],
                subject_key=f"{prefix}:{n}",
                context={"reference": ref, "status_url": f"http://127.0.0.1:8000/fi/s/{n}"},
            )
            assert row is not None and row.id is not None
            ids.append(row.id)
            if n % 500 == 499:
                session.info.pop(_PENDING_KEY, None)
                session.commit()
        session.info.pop(_PENDING_KEY, None)
        session.commit()
    return ids


def count_sent(ids_from: int) -> int:
    from yhteys.db import get_engine

    with get_engine().connect() as conn:
        return int(conn.execute(
            text("SELECT count(*) FROM notification WHERE state = 'sent' AND id >= :i"),
            {"i": ids_from},
        ).scalar())


def wait_until(predicate, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# -- phase 1 -----------------------------------------------------------------------------------
def throughput(settings, workers: int, rows: int, threads: int, count_file: Path) -> float:  # noqa: ANN001
    from notify import tasks

    warm = insert_rows(40, f"warm{workers}")
    procs = start_workers(settings, workers, threads)
    try:
        tasks.enqueue(warm)
        if not wait_until(lambda: count_sent(warm[0]) >= len(warm), 60):
            raise SystemExit("workers did not start")
        time.sleep(0.5)  # the sink writes its count every 0.2 s
        before = sink_counts(count_file)[0]
        ids = insert_rows(rows, f"w{workers}")
        started = time.monotonic()
        tasks.enqueue(ids)
        if not wait_until(lambda: count_sent(ids[0]) >= rows, 300):
            raise SystemExit(f"only {count_sent(ids[0])} of {rows} sent")
        elapsed = time.monotonic() - started
    finally:
        stop_all(procs)
    time.sleep(0.5)
    total, _unique, doubles = sink_counts(count_file)
    rate = rows / elapsed
    print(f"  {workers} worker process(es) x {threads} threads: {rows} emails in {elapsed:.2f} s"
          f" = {rate:.0f} emails/s; SMTP received {total - before}, messages received twice: "
          f"{doubles}")
    return rate


# -- phase 2 -----------------------------------------------------------------------------------
def relay_keeps_up(settings, rate: int, seconds: int, threads: int, batch: int) -> None:  # noqa: ANN001, E501
    from sqlmodel import Session

    from notify import broker
    from notify.outbox import queue_notification
    from yhteys.db import get_engine
    from yhteys.settings import set_settings

    procs = start_workers(settings, 2, threads)
    relay = subprocess.Popen(
        [PY, "-m", "yhteys.cli", "relay", "--poll", "0.2"], cwd=ROOT, env=child_env(settings)
    )
    # This process's Redis is a closed port: every commit-time hand-over fails, as when Redis is
    # down at submit; the relay (on the real Redis) must move every row.
    dead = replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    set_settings(dead)
    broker.configure(dead)
    import logging

    logging.getLogger("notify").setLevel(logging.ERROR)
    time.sleep(3)  # workers and relay up
    lock = threading.Lock()
    first_ids: list[int] = []
    counts = [0] * INSERTERS
    started = time.monotonic()

    def inserter(k: int) -> None:
        # Each thread is a stream of submissions paced to rate/INSERTERS, `batch` rows a commit.
        with Session(get_engine(), expire_on_commit=False) as session:
            while time.monotonic() - started < seconds:
                pause = started + counts[k] * INSERTERS / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                for _ in range(batch):
                    n = counts[k] * INSERTERS + k
                    row = queue_notification(
                        session, event="advisor_replied", channel="email",
                        recipient=f"r{n}@bench.example", locale="fi", subject_key=f"relay:{n}",
                        context={"reference": "REL-AY0-001",
                                 "status_url": "http://127.0.0.1:8000/fi/"},
                    )
                    if counts[k] == 0 and row is not None:
                        with lock:
                            first_ids.append(row.id)
                    counts[k] += 1
                session.commit()

    try:
        threads = [threading.Thread(target=inserter, args=(k,)) for k in range(INSERTERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        inserted = sum(counts)
        first_id = min(first_ids)
        insert_elapsed = time.monotonic() - started
        wait_until(lambda: count_sent(first_id) >= inserted, 120)
        total_elapsed = time.monotonic() - started
    finally:
        stop_all([*procs, relay])
    with get_engine().connect() as conn:
        rows = conn.execute(
            text("SELECT extract(epoch FROM enqueued_at - created_at),"
                 " extract(epoch FROM sent_at - created_at), state FROM notification"
                 " WHERE id >= :i"), {"i": first_id},
        ).all()
    relay_wait = sorted(float(r[0]) for r in rows if r[0] is not None)
    sent_wait = sorted(float(r[1]) for r in rows if r[1] is not None)
    unsent = sum(1 for r in rows if r[2] != "sent")

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")

    print(f"  inserted {inserted} rows in {insert_elapsed:.1f} s = "
          f"{inserted / insert_elapsed:.0f} rows/s (target {rate}), {batch} per transaction, "
          f"{INSERTERS} threads")
    print(f"  relay hand-over after insert: p50 {pct(relay_wait, .5):.2f} s, "
          f"p99 {pct(relay_wait, .99):.2f} s, max {relay_wait[-1] if relay_wait else 0:.2f} s")
    print(f"  insert to SMTP 250: p50 {pct(sent_wait, .5):.2f} s, p99 {pct(sent_wait, .99):.2f} s;"
          f" all {len(sent_wait)} sent {total_elapsed:.1f} s after the first insert; "
          f"unsent at the end: {unsent}")
    print(f"  sustained end-to-end: {len(sent_wait) / total_elapsed:.0f} emails/s")


def relay_capacity(rows: int = 4000) -> None:
    """How fast one relay hands rows over when nothing else runs (its ceiling)."""
    from notify.relay import Relay
    from yhteys.db import get_engine

    ids = insert_rows(rows, "cap")
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE notification SET enqueued_at = NULL WHERE id >= :i"),
                     {"i": ids[0]})
    relay, handed, started = Relay(grace=30, batch=500), 0, time.monotonic()
    while (count := relay.sweep()) > 0:
        handed += count
    elapsed = time.monotonic() - started
    print(f"  one relay alone: {handed} rows handed to Redis in {elapsed:.2f} s = "
          f"{handed / elapsed:.0f} rows/s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rate", type=int, default=400)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1, help="rows per insert transaction")
    parser.add_argument("--relay-only", action="store_true", help="skip the throughput runs")
    parser.add_argument("--smtp-sink", nargs=2, metavar=("PORT", "COUNTFILE"))
    args = parser.parse_args()
    if args.smtp_sink:
        smtp_sink(int(args.smtp_sink[0]), args.smtp_sink[1])
        return 0

    import redis

    from notify import broker
    from yhteys.migrate import upgrade
    from yhteys.settings import Settings, set_settings

    redis.Redis.from_url(REDIS).flushdb()
    url = create_database()
    tmp = Path(tempfile.mkdtemp(prefix="yhteys-bench-notify-"))
    count_file = tmp / "smtp-count"
    port = free_port()
    sink = subprocess.Popen([PY, __file__, "--smtp-sink", str(port), str(count_file)])
    try:
        upgrade(url)
        settings = Settings(
            database_url=url, redis_url=REDIS, smtp_url=f"smtp+insecure://127.0.0.1:{port}",
            base_url="http://127.0.0.1:8000", var_dir=tmp, mail_dir=tmp / "mail",
            upload_dir=tmp / "uploads", log_level="WARNING",
        )
        set_settings(settings)
        broker.configure(settings)
        time.sleep(0.5)
        print(f"Outbox -> Redis -> `yhteys worker` -> aiosmtpd, PostgreSQL, {os.cpu_count()} CPUs")
        for workers in () if args.relay_only else (1, 2):
            throughput(settings, workers, args.rows, args.threads, count_file)
        print(f"Relay under {args.rate} inserts/s for {args.seconds} s (Redis unreachable at"
              " submit, 2 workers)")
        set_settings(settings)
        relay_keeps_up(settings, args.rate, args.seconds, args.threads, args.batch)
        set_settings(settings)
        broker.configure(settings)
        print("Relay capacity")
        relay_capacity()
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(10)
        set_settings(None)
        drop_database(url)
        redis.Redis.from_url(REDIS).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
