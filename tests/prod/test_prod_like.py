"""The production shape, driven through nginx over HTTPS (deploy/prodlike.py starts it).

nginx -> two `yhteys serve`, two `yhteys worker`, `yhteys relay`, PostgreSQL, Redis, an SMTP
server, YHTEYS_ENV=production. One test, in steps, because the stack takes seconds to start:

1. SUBMISSIONS forms from CONCURRENCY browsers at once: each lands as exactly one case, while one
   worker is killed (SIGKILL) in the middle of sending and started again, as systemd would.
2. Every acknowledgement reaches the SMTP server exactly once; the killed worker's rows are
   claimed again after their lease.
3. One browser's rate limit holds across both web processes.
4. A staff session made on one web process is good on the other.

Prints the figures. Needs PostgreSQL, Redis and nginx (CI installs Debian's nginx-light).
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import prodlike  # noqa: E402

pytestmark = [
    pytest.mark.prod,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgres",
                       reason="the production shape runs on PostgreSQL (the PostgreSQL pass)"),
]

SUBMISSIONS = 100
CONCURRENCY = 16
FORM = "/fi/request/social-services"
STAFF_PASSWORD = "orange kettle under seven bridges"
FIELDS: dict[str, str | list[str]] = {
    "name": "Prod Like",
    "language": "ar",
    "interpreter_needed": "no",
    "message": "I need advice about housing, please.",
    "contact_channel": "email",
    "may_leave_message": "yes",
    "backup_channel": "",
    "consents.process": "yes",
    "details.topics": ["housing"],
    "details.municipality": "Helsinki",
    "details.children_with_you": "no",
}


@pytest.fixture(scope="module")
def stack():  # noqa: ANN201
    try:
        prodlike.ensure_nginx()
    except SystemExit as exc:
        pytest.skip(str(exc))
    # Each send waits 0.4 s at the SMTP server: 8 sending threads manage 20 a second, fewer than
    # arrive, so sends pile up behind the kill as they would in a surge.
    with prodlike.Stack(log_level="WARNING", smtp_delay=0.4) as running:
        try:
            yield running
        finally:
            for engine in _engines.values():
                engine.dispose()  # before the database is dropped
            _engines.clear()


def browser(stack: prodlike.Stack) -> httpx.Client:
    """One person's browser: its own cookies; a new connection per request, so that nginx
    spreads the requests over both web processes."""
    return httpx.Client(base_url=stack.base_url, verify=stack.tls(), timeout=30,
                        headers={"Connection": "close", "Origin": stack.base_url})


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def submit(client: httpx.Client, email: str) -> tuple[httpx.Response, float, str]:
    form = client.get(FORM)
    assert form.status_code == 200
    data = [*hidden_fields(form.text).items(), ("contact_address_email", email)]
    for name, value in FIELDS.items():
        data += [(name, v) for v in (value if isinstance(value, list) else [value])]
    started = time.perf_counter()
    response = client.post(FORM, content=urlencode(data),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    return response, time.perf_counter() - started, response.headers.get("x-upstream", "")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def sql(stack: prodlike.Stack, query: str, **params: object) -> object:
    if stack.database_url not in _engines:
        _engines[stack.database_url] = create_engine(stack.database_url, pool_size=2)
    with _engines[stack.database_url].connect() as conn:
        return conn.execute(text(query), params).scalar()


_engines: dict = {}


def acknowledgements(stack: prodlike.Stack, emails: set[str]) -> list[dict[str, str]]:
    return [m for m in prodlike.received(stack.mail) if m.get("to", "") in emails]


def kill_a_worker_mid_send(stack: prodlike.Stack, report: dict[str, int],
                           done: threading.Event) -> None:
    """Hold the SMTP server at RCPT until every sending thread of both workers holds a claimed
    row, SIGKILL worker 1, let the mail go on and restart the worker, as systemd would.

    A worker claims a row only when one of its threads is free to send it, so with the server
    holding, twice a worker's threads in "sending" means worker 1 holds exactly its share: the
    kill cannot fall between two sends (timing the kill from outside could, under load)."""
    threads = int(prodlike.WORKER_ARGS[prodlike.WORKER_ARGS.index("--threads") + 1])
    stack.hold_mail(True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not done.is_set():
            sending = int(sql(stack, "SELECT count(*) FROM notification WHERE state = 'sending'"))
            if sending >= 2 * threads:
                stack.kill_worker(1)
                report["sending_at_kill"] = sending
                report["held_by_killed"] = threads
                break
            time.sleep(0.02)
    finally:
        stack.hold_mail(False)
    if "sending_at_kill" in report:
        time.sleep(1)
        stack.start_worker(1)


def test_the_production_shape_through_nginx(stack: prodlike.Stack) -> None:
    emails = {f"prodlike-{n}@example.org" for n in range(SUBMISSIONS)}
    report: dict[str, int] = {}
    done = threading.Event()
    killer = threading.Thread(target=kill_a_worker_mid_send, args=(stack, report, done))
    killer.start()

    def one(email: str) -> tuple[int, float, str]:
        with browser(stack) as client:
            response, seconds, upstream = submit(client, email)
            return response.status_code, seconds, upstream

    try:
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(one, sorted(emails)))
        # The last sends may still be under way: the kill waits for them (or for 90 s).
        killer.join(90)
    finally:
        done.set()
        killer.join()
    statuses = Counter(status for status, _, _ in results)
    latencies = [seconds for _, seconds, _ in results]
    assert statuses == {200: SUBMISSIONS}, statuses
    assert len({up for _, _, up in results}) == 2, "both web processes take submissions"
    assert report.get("sending_at_kill"), "the worker was killed while rows were being sent"

    # Every case once.
    cases = int(sql(stack, 'SELECT count(*) FROM "case"'))
    assert cases == SUBMISSIONS

    # Every acknowledgement arrives; a send the kill interrupted is taken up again after its
    # lease.
    deadline = time.monotonic() + 60
    unsent = -1
    while time.monotonic() < deadline:
        unsent = int(sql(stack, "SELECT count(*) FROM notification WHERE state <> 'sent'"))
        if not unsent and {m["to"] for m in acknowledgements(stack, emails)} == emails:
            break
        time.sleep(0.25)
    time.sleep(1)  # the SMTP server writes what it was last given
    got = acknowledgements(stack, emails)
    per_recipient = Counter(m["to"] for m in got)
    ids_per_recipient = {to: {m["message-id"] for m in got if m["to"] == to} for to in emails}
    duplicates = sum(n - 1 for n in per_recipient.values())
    assert set(per_recipient) == emails, f"missing: {sorted(emails - set(per_recipient))[:5]}"
    assert all(len(ids) == 1 for ids in ids_per_recipient.values()), "one Message-ID each"
    assert unsent == 0, sql(stack, "SELECT string_agg(concat_ws(' ', event, channel, state, "
                                   "error_code, attempts), '; ') FROM notification "
                                   "WHERE state <> 'sent'")
    # The rows the killed worker held were claimed again once their lease ran out.
    taken_again = int(sql(stack, "SELECT count(*) FROM notification WHERE attempts > 1"))
    assert taken_again >= report["held_by_killed"]
    for to in sorted(to for to, n in per_recipient.items() if n > 1):
        print("copy:", to, sql(stack, "SELECT concat_ws(' ', attempts, created_at, sent_at) "
                                      "FROM notification WHERE recipient = :to", to=to),
              [m["received"] for m in got if m["to"] == to])
    # The kill fell in the SMTP conversation, before the server took the message (it was held
    # at RCPT): so nothing arrives twice. (A kill after the server's 250 and before the row is
    # marked sent would send it again after the lease, with the same Message-ID:
    # notify/delivery.py.)
    assert duplicates == 0

    # nginx's request id is the app's; /metrics (from the monitoring host, here loopback) counts
    # what both workers sent.
    with browser(stack) as client:
        page = client.get("/fi/")
        assert re.fullmatch(r"[0-9a-f]{32}", page.headers["x-request-id"])
        metrics = client.get("/metrics")
        # Static files: immutable for a year, and the second answer comes from nginx's cache.
        css = re.search(r'href="(/static/[^"]+\.css[^"]*)"', page.text)
        assert css
        first, second = client.get(css.group(1)), client.get(css.group(1))
        assert "immutable" in first.headers["cache-control"]
        assert second.status_code == 200 and "x-upstream" not in second.headers
    assert metrics.status_code == 200
    sent = sum(float(v) for v in re.findall(
        r'^yhteys_deliveries_total\{channel="email",result="sent"\} (\S+)$', metrics.text, re.M))
    assert sent >= SUBMISSIONS

    # Rate limit of one browser, its posts answered by both processes.
    with browser(stack) as client:
        answers = [submit(client, f"limited-{n}@example.org") for n in range(11)]
    limited = [(r.status_code, up) for r, _, up in answers]
    assert [s for s, _ in limited] == [200] * 10 + [429], limited
    assert len({up for _, up in limited}) == 2

    # A staff session opened through one process is honoured by the other.
    staff_upstreams = staff_session_across_processes(stack)
    assert len(staff_upstreams) == 2

    print(
        f"\nprod-like through nginx (HTTPS, 2 web, 2 workers, relay, PostgreSQL, Redis):"
        f"\n  submissions sent {SUBMISSIONS} ({CONCURRENCY} concurrent), answered {dict(statuses)}"
        f"\n  cases stored {cases}"
        f"\n  acknowledgements delivered {len(per_recipient)} of {SUBMISSIONS} "
        f"(worker 1 SIGKILLed while {report['sending_at_kill']} rows were being sent; "
        f"{taken_again} taken up again after the lease), duplicates {duplicates}, "
        f"unsent {unsent}"
        f"\n  submit latency through nginx: p50 {pct(latencies, .5) * 1000:.0f} ms, "
        f"p99 {pct(latencies, .99) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms"
        f"\n  rate limit: 10 accepted, the 11th 429, across {len({u for _, u in limited})} "
        f"processes; staff session honoured by {len(staff_upstreams)} processes"
    )


def staff_session_across_processes(stack: prodlike.Stack) -> set[str]:
    """Log in through nginx (password, then TOTP, as production requires), then open the staff
    page until both processes have answered it."""
    from sqlmodel import Session

    from triage.accounts import totp
    from triage.accounts.users import create_user
    from yhteys.clock import now
    from yhteys.db import engine_for
    from yhteys.settings import get_settings, load, set_settings

    previous = get_settings()
    set_settings(load(stack.env))  # the stack's keys seal the TOTP seed
    try:
        with Session(engine_for(stack.database_url)) as db:
            user = create_user(db, email="advisor@example.org", password=STAFF_PASSWORD,
                               roles=["advisor"], display_name="Advisor", languages=["fi"],
                               team_ids=[])
            user.totp_secret = totp.seal_seed(totp.new_secret())
            user.totp_enabled = True
            db.add(user)
            db.commit()
            code = totp.code_at(user.totp_secret, now())
    finally:
        set_settings(previous)
        engine_for.cache_clear()

    upstreams: set[str] = set()
    with browser(stack) as client:
        page = client.get("/triage/login")
        token = hidden_fields(page.text)["csrf_token"]
        step = client.post("/triage/login", data={
            "csrf_token": token, "email": "advisor@example.org", "password": STAFF_PASSWORD,
            "next": ""})
        assert step.status_code == 303 and step.headers["location"].startswith("/triage/login/totp")
        page = client.get("/triage/login/totp")
        step = client.post("/triage/login/totp", data={
            "csrf_token": hidden_fields(page.text)["csrf_token"], "code": code})
        assert step.status_code == 303, step.status_code
        landing = step.headers["location"]
        for _ in range(8):
            answer = client.get(landing)
            assert answer.status_code == 200, answer.status_code
            assert "/triage/login" not in str(answer.url)
            upstreams.add(answer.headers["x-upstream"])
    return upstreams
