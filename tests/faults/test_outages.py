"""The whole service under faults, with real processes: people keep sending the public form while
Redis is killed and restarted and the sending worker is SIGKILLed. Afterwards every request that
got a reference is stored once and acknowledged once.

    TEST_DATABASE=postgres .venv/bin/python -m pytest -q tests/faults

Everything runs as it does in production: `yhteys serve` (whose relay hands over what Redis
missed) and `yhteys worker` as subprocesses, a `redis-server` of the test's own on a free port
(the machine's Redis is untouched), a fresh PostgreSQL database, and an aiosmtpd server as the
mail provider. Submissions go through the HTML form with the CSRF token of a GET, each from a
browser of its own, all from one address.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.conftest import TEST_SECRET, _create_pg_database, _drop_pg_database
from tests.intake.conftest import form_data, hidden, reference_on
from tests.notify.conftest import RedisProcess, SmtpServer, free_port, wait_for
from yhteys.settings import PROJECT_ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.redis,
    # It brings its own PostgreSQL database, so it runs once: in make test's PostgreSQL pass.
    pytest.mark.skipif(
        os.environ.get("TEST_DATABASE") != "postgres",
        reason="runs in the PostgreSQL pass of make test (TEST_DATABASE=postgres)",
    ),
    pytest.mark.timeout(240),
]

DRAIN_SECONDS = 120  # the serve relay's grace (30 s) plus the worker's lease, with room to spare
EMAIL = re.compile(r"person-\d+@example\.org")


# -- processes -----------------------------------------------------------------------------------
class Service:
    """One `yhteys` subcommand as a subprocess, its output in a file for the failure message."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = logs / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "yhteys.cli", *self.args],
                cwd=PROJECT_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgements, prefetched messages stranded."""
        assert self.proc is not None and self.proc.poll() is None, self.log()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Stack:
    base: str
    redis: RedisProcess
    smtp: SmtpServer
    serve: Service
    worker: Service
    engine: Engine  # the test's own connections, to read what was stored

    def services(self) -> list[Service]:
        return [self.serve, self.worker]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    from yhteys.migrate import upgrade

    database_url = _create_pg_database()
    redis = RedisProcess()
    smtp = SmtpServer()
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        **os.environ,
        "YHTEYS_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "SMTP_URL": smtp.url,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "SECRET_KEY": TEST_SECRET,
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "INFO",
        "WEB_WORKERS": "1",
        # Every submission comes from this one address; it is the delivery under test here.
        "RATE_LIMIT_SUBMISSIONS_PER_ADDRESS": "100000",
    }
    serve = Service("serve", ["serve", "--host", "127.0.0.1", "--port", str(port)], env, logs)
    worker = Service("worker", ["worker", "--threads", "2", "--lease", "5"], env, logs)
    engine = create_engine(database_url)
    built = Stack(f"http://127.0.0.1:{port}", redis, smtp, serve, worker, engine)
    try:
        upgrade(database_url)
        redis.start()
        smtp.controller.start()
        serve.start()
        worker.start()
        wait_for(lambda: _answers(built.base), timeout=60)
        yield built
    finally:
        for service in built.services():
            service.stop()
        redis.stop()
        smtp.controller.stop()
        engine.dispose()
        _drop_pg_database(database_url)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/en/request/other", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# -- people sending the form ---------------------------------------------------------------------
@dataclass
class Sender:
    """Sends the form again and again, each time as a new person in a new browser."""

    base: str
    references: dict[str, str] = field(default_factory=dict)  # reference -> email address
    resends: int = 0  # posts sent again after no answer (same page, same idempotency key)
    refused: list[int] = field(default_factory=list)  # statuses other than 200
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.references)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            self._one(n)

    def _one(self, n: int) -> None:
        address = f"person-{n}@example.org"
        data = form_data(
            "other", message=f"Question {n}", contact_channel="email",
            contact_address_email=address, contact_address_phone="", backup_channel="",
            backup_address_email="",
        )
        with httpx.Client(base_url=self.base, timeout=15) as browser:
            page = browser.get("/en/request/other").text
            body = {"csrf_token": hidden(page, "csrf_token"),
                    "idempotency_key": hidden(page, "idempotency_key"), **data}
            for _ in range(5):
                try:
                    response = browser.post("/en/request/other", data=body)
                except httpx.HTTPError:
                    # No answer: the person presses send again; the key makes it the same request.
                    with self.lock:
                        self.resends += 1
                    continue
                if response.status_code != 200:
                    with self.lock:
                        self.refused.append(response.status_code)
                    return
                with self.lock:
                    self.references[reference_on(response.text)] = address
                return
            raise AssertionError(f"submission {n} got no answer in 5 tries")


# -- the test ------------------------------------------------------------------------------------
def test_every_submission_is_stored_and_acknowledged_once_through_outages(stack, capsys):
    sender = Sender(stack.base)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            sender.run()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    outages = kills = 0

    def more(count: int) -> None:
        """Let `count` more people get their reference before the next fault."""
        target = sender.count + count
        wait_for(lambda: sender.count >= target or errors or not thread.is_alive(), timeout=60)
        assert not errors, errors

    def redis_down() -> None:
        nonlocal outages
        stack.redis.stop()  # SIGKILL, no persistence: every queued job is lost with it
        outages += 1

    def worker_killed() -> None:
        nonlocal kills
        stack.worker.kill()
        kills += 1

    try:
        more(10)
        redis_down()
        more(8)  # people keep sending while Redis is down
        stack.redis.start()
        more(8)
        # The worker dies in the middle of a send: the mail server hangs in DATA until it is gone.
        handler = stack.smtp.handler
        handler.stalled.clear()
        handler.stall.set()
        assert handler.stalled.wait(30), _logs(stack)
        worker_killed()
        handler.stall.clear()  # the dead connection's message is refused: nothing was accepted
        more(8)
        stack.worker.start()
        more(8)
        # Both at once, and the worker comes back before Redis does.
        redis_down()
        worker_killed()
        more(5)
        stack.worker.start()
        more(5)
        stack.redis.start()
        more(8)
    finally:
        sender.stop.set()
        thread.join(60)
    assert not errors, errors
    assert not sender.refused, sender.refused

    references = dict(sender.references)
    expected = set(references)

    def drained() -> bool:
        states = _column(stack, "SELECT state FROM notification WHERE event = 'case_received'")
        return set(states) == {"sent"} and set(_emails_by_reference(stack)) >= expected

    try:
        wait_for(drained, timeout=DRAIN_SECONDS, interval=0.5)
    except AssertionError:
        raise AssertionError(_logs(stack)) from None

    stored = Counter(_column(stack, 'SELECT reference FROM "case"'))
    rows = Counter(_column(stack, "SELECT reference FROM notification "
                                  "WHERE event = 'case_received'"))
    states = Counter(_column(stack, "SELECT state FROM notification "
                                    "WHERE event = 'case_received'"))
    by_reference = _emails_by_reference(stack)
    copies = sum(len(ids) for ids in by_reference.values())
    distinct = sum(len(set(ids)) for ids in by_reference.values())

    reclaimed = len(_column(stack, "SELECT id FROM notification "
                                   "WHERE event = 'case_received' AND attempts > 1"))
    serve_log = stack.serve.log()
    relayed = sum(int(n) for n in re.findall(r"relay handed (\d+) of", serve_log))
    missed = serve_log.count("broker unavailable")
    with capsys.disabled():
        print(
            f"\nfaults: {len(references)} submissions ({sender.resends} sent again after no "
            f"answer), {outages} Redis outages, {kills} worker kills; {len(stored)} cases "
            f"stored; emails received {copies} ({distinct} distinct Message-IDs, "
            f"{copies - distinct} redelivered copies); notification states {dict(states)}; "
            f"hand-overs to Redis that failed at submit {missed}, rows handed over by the relay "
            f"{relayed}, rows claimed again after a killed worker {reclaimed}"
        )
    # The faults hit the paths under test: submissions while Redis was down, the relay's rescue,
    # and the rate limits counting in the web process instead of opening up.
    assert missed > 0 and relayed > 0
    assert reclaimed >= 1  # at least the one whose send the kill interrupted
    assert serve_log.count("rate limits: Redis unreachable") >= 1

    # Every reference a person was shown is stored exactly once, and nothing else is.
    assert set(stored) == expected
    assert all(n == 1 for n in stored.values()), [r for r, n in stored.items() if n > 1]
    # One acknowledgement each, queued once and sent.
    assert rows == Counter(expected) and states == Counter({"sent": len(expected)})
    # ... and received by the mail server as exactly one message (one Message-ID), to the
    # address that person typed.
    assert set(by_reference) == expected
    twice = {r: ids for r, ids in by_reference.items() if len(set(ids)) != 1}
    assert not twice, twice
    with stack.smtp.handler.lock:
        received = list(stack.smtp.messages)
    for message in received:
        assert message["To"] == references[_reference_of(message)]
    # Outages are logged, people are not.
    for service in stack.services():
        assert not EMAIL.search(service.log()), f"an address in the {service.name} log"


def _column(stack: Stack, sql: str) -> list:
    with stack.engine.connect() as conn:
        return [row[0] for row in conn.execute(text(sql))]


def _reference_of(message) -> str:  # noqa: ANN001
    # The subject is neutral (a lock screen is read by others): the reference is in the body.
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}", body)
    return match.group(0) if match else ""


def _emails_by_reference(stack: Stack) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    with stack.smtp.handler.lock:
        messages = list(stack.smtp.messages)
    for message in messages:
        found[_reference_of(message)].append(str(message["Message-ID"]))
    return dict(found)


def _logs(stack: Stack) -> str:
    return "outbox did not drain\n" + "\n".join(
        f"--- {s.name} (last lines)\n" + "\n".join(s.log().splitlines()[-40:])
        for s in stack.services()
    )
