"""Board, case-page and search latency at 100,000 and 1,000,000 cases on PostgreSQL.

    .venv/bin/python bench/board.py [--sizes 100000,1000000] [--requests 150] [--keep]

For each size: a database of its own (created and dropped like tests/conftest.py does), migrated
with Alembic, teams and staff made through the accounts functions, cases seeded in SQL
(generate_series: a realistic spread over states, teams, priorities, languages and kinds, with
history and client messages), VACUUM ANALYZE. Then the real app with real logged-in staff
sessions: every request goes through authentication, the audit trail and the templates.

By default the requests go over HTTP to `yhteys serve` (one process) on a kept-alive connection,
as a staff member's browser sends them, and the time is what that browser waits. `--in-process`
measures through Starlette's test client instead, as earlier runs did: its hand-over between
threads (about nine per request) adds several milliseconds of the client's own work to each
figure. Prints p50/p95/max per scenario, and the EXPLAIN (ANALYZE, BUFFERS) plans of the slowest
statements of one board request, the ones the latency rests on.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench/submissions.py loads bench/intake.py under a name that is not the package's.
from submissions import intake_bench  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-key-0123456789abcdef0123456789"  # noqa: S105 - a throwaway database

TEAMS = [  # (name, kind it mostly gets, advisors, languages the advisors speak)
    ("Family reunification", "family_reunification", 10, ["fi", "ar", "so", "en"]),
    ("Tracing", "tracing", 8, ["fi", "ru", "fa", "en"]),
    ("Social services", "social_services", 12, ["fi", "sv", "en", "uk"]),
    ("Undocumented advice", "other", 6, ["ar", "fa", "fi", "en"]),
    ("Helsinki office", "", 4, ["fi", "sv"]),
    ("Oulu office", "", 3, ["fi", "en"]),
]
LANGUAGES = [("fi", 0.28), ("ar", 0.14), ("so", 0.09), ("en", 0.09), ("fa", 0.08), ("ru", 0.07),
             ("uk", 0.07), ("ti", 0.05), ("prs", 0.04), ("ku", 0.03), ("fr", 0.03), ("sv", 0.03)]
DETAILS = {
    "family_reunification": '{"sponsor_status": "refugee_status", "decision_date": "2026-06-01",'
                            ' "sponsor_minor": "no", "members": [{"relationship": "child",'
                            ' "age": 7, "country": "Somalia"}], "stage": "applied",'
                            ' "help_wanted": ["embassy_visit"]}',
    "tracing": '{"persons": [{"name": "Sought person", "birth_date": "1988-02-01",'
               ' "relationship": "sibling", "last_place": "Kabul",'
               ' "minor_when_separated": "no"}], "separation": "conflict"}',
    "social_services": '{"topics": ["housing", "health"], "municipality": "Helsinki",'
                       ' "children_with_you": "no", "no_place_tonight": false}',
    "other": "{}",
}


# Names for the search table, folded as triage.casework.search folds them.
FIRST = ["ahmed", "mohammed", "ali", "fatima", "amina", "hassan", "hussein", "yusuf", "omar",
         "aisha", "abdi", "hodan", "farah", "mariam", "zahra", "reza", "maryam", "olga", "irina",
         "oksana", "dmytro", "natalia", "sergei", "anna", "maria", "mikko", "laura", "juha",
         "ayaan", "khadija", "ibrahim", "ismail", "halima", "samira", "nasra", "mustafa", "karim",
         "leila", "parisa", "dawit", "selam", "tesfaye", "mehret", "yonas", "helen", "jean",
         "marie", "claude", "amadou", "fatou"]
LAST = ["ali", "mohamed", "hassan", "abdullahi", "warsame", "ahmadi", "hosseini", "karimi",
        "rahimi", "mohammadi", "ivanov", "petrenko", "shevchenko", "kovalenko", "bondarenko",
        "virtanen", "korhonen", "nieminen", "makinen", "hamalainen", "tesfay", "gebremedhin",
        "haile", "berhane", "kidane", "diallo", "traore", "diop", "ndiaye", "haddad", "khalil",
        "nasser", "saleh", "mansour", "jaber", "yilmaz", "kaya", "demir", "sahin", "celik",
        "nguyen", "tran", "le", "pham", "hoang", "smith", "jones", "brown", "wilson", "taylor",
        "omar", "farah", "osman", "aden", "jama", "noor", "salad", "egal", "dahir", "yusuf"]
ORIGINAL = ["يوسف حداد", "احمد علي", "فاطمه حسن", "محمد خليل", "مريم ناصر", "علي رضا",
            "زهرا احمدي", "олег иванов", "ольга петренко", "ዳዊት ተስፋይ"]


def create_database(name: str) -> str:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    from yhteys.db import engine_for

    engine_for.cache_clear()
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def make_staff(url: str) -> dict:
    """Teams and staff through the accounts functions; returns ids the seed SQL needs."""
    from sqlmodel import Session

    from triage.accounts.users import create_team, create_user
    from triage.casework.models import RoutingRule
    from yhteys.db import engine_for

    made: dict = {"teams": {}, "advisors": {}, "kind_team": {}}
    with Session(engine_for(url), expire_on_commit=False) as db:
        for index, (name, kind, count, languages) in enumerate(TEAMS):
            team = create_team(db, name=name, auto_assign=index % 2 == 0)
            made["teams"][name] = team.id
            if kind:
                made["kind_team"][kind] = team.id
                db.add(RoutingRule(kind=kind, team_id=team.id))
            people = []
            for n in range(count):
                user = create_user(db, email=f"a{index}-{n}@bench.invalid", password="x" * 16,
                                   roles=["advisor"], display_name=f"Advisor {index}-{n}",
                                   languages=[languages[n % len(languages)], "en"],
                                   team_ids=[team.id])
                people.append(user.id)
            made["advisors"][team.id] = people
        db.add(RoutingRule(team_id=made["teams"]["Social services"]))
        boss = create_user(db, email="boss@bench.invalid", password="x" * 16,
                           roles=["supervisor"], display_name="Supervisor")
        two = create_user(db, email="two@bench.invalid", password="x" * 16, roles=["advisor"],
                          display_name="Two teams", languages=["fi", "ar"],
                          team_ids=[made["teams"]["Family reunification"],
                                    made["teams"]["Undocumented advice"]])
        db.commit()
        made["supervisor"], made["two_teams"] = boss.id, two.id
        made["advisor"] = made["advisors"][made["teams"]["Tracing"]][0]
    return made


def existing_staff(url: str) -> dict:
    """The ids make_staff made, read back from a kept database (--reuse)."""
    from sqlmodel import Session, select

    from triage.accounts.models import StaffUser, Team
    from yhteys.db import engine_for

    with Session(engine_for(url)) as db:
        teams = {t.name: t.id for t in db.exec(select(Team))}
        users = {u.email: u.id for u in db.exec(select(StaffUser))}
    return {"teams": teams, "supervisor": users["boss@bench.invalid"],
            "two_teams": users["two@bench.invalid"], "advisor": users["a1-0@bench.invalid"]}


def _pick(column: str, choices: list[tuple[str, float]]) -> str:
    """A CASE expression choosing by cumulative weight of a random() column."""
    parts, total = [], 0.0
    for value, weight in choices:
        total += weight
        parts.append(f"WHEN {column} < {total:.4f} THEN '{value}'")
    return f"(CASE {' '.join(parts)} ELSE '{choices[-1][0]}' END)"


def seed_cases(url: str, n: int, staff: dict) -> float:
    kind_team = staff["kind_team"]
    offices = [staff["teams"]["Helsinki office"], staff["teams"]["Oulu office"]]
    team_expr = (
        "(CASE WHEN rt < 0.08 THEN " + str(offices[0]) + " WHEN rt < 0.12 THEN "
        + str(offices[1]) + " ELSE (CASE kind "
        + " ".join(f"WHEN '{k}' THEN {t}" for k, t in kind_team.items()) + " END) END)"
    )
    assignee_cases = " ".join(
        f"WHEN {team} THEN (ARRAY{people})[1 + floor(ra * {len(people)})::int]"
        for team, people in staff["advisors"].items()
    )
    # Built from our own constants and ids only, never from input.
    sql = f"""
    SELECT setseed(0.42);
    INSERT INTO "case" (reference, kind, source, name, language, ui_locale, contact_channel,
        contact_address, may_leave_message, contact_windows, backup_channel, backup_address, area,
        interpreter_needed, interpreter_language, message, details, status_secret_hash,
        fingerprint, state, priority, priority_rank, priority_reason, team_id, assignee_id,
        due_at, first_response_due_at, resolution_due_at, first_response_at, client_replied,
        outcome, version, created_at, updated_at, closed_at)
    SELECT
        substr(code, 1, 3) || '-' || substr(code, 4, 3) || '-' || substr(code, 7, 3),
        kind, 'web', 'Asiakas ' || i, language, 'fi', 'email', 'client' || i || '@example.net',
        false, '[]'::json, '', '', '', rl < 0.3, '',
        'Tarvitsen apua. Voitteko soittaa minulle?', details::json,
        md5('s' || i) || md5('t' || i), '', state, priority,
        (CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END), '',
        team_id,
        (CASE WHEN state = 'new' THEN NULL ELSE (CASE team_id {assignee_cases} END) END),
        (CASE WHEN state = 'new' THEN first_due ELSE resolution_due END),
        first_due, resolution_due,
        (CASE WHEN state = 'new' THEN NULL ELSE created_at + interval '3 hours' END),
        state IN ('in_progress', 'assigned') AND rd < 0.2,
        (CASE WHEN state = 'closed' THEN (ARRAY['advised','referred_elsewhere','person_found',
            'not_reachable','out_of_scope','duplicate'])[1 + floor(ro * 6)::int] ELSE '' END),
        1, created_at, created_at,
        (CASE WHEN state = 'closed' THEN created_at + interval '6 days' ELSE NULL END)
    FROM (
        SELECT *, created_at + (CASE priority WHEN 'urgent' THEN interval '4 hours'
                                  WHEN 'high' THEN interval '1 day' ELSE interval '2 days' END)
                    AS first_due,
                  created_at + (CASE priority WHEN 'urgent' THEN interval '2 days'
                                  WHEN 'high' THEN interval '7 days' ELSE interval '14 days' END)
                    AS resolution_due,
                  {team_expr} AS team_id
        FROM (
            SELECT i, rt, ra, rd, ro, rl,
                'Q' || lpad(i::text, 8, '0') AS code,
                {_pick('rs', [('new', .03), ('assigned', .04), ('in_progress', .06),
                              ('waiting_client', .07), ('closed', .80)])} AS state,
                {_pick('rp', [('urgent', .05), ('high', .15), ('normal', .80)])} AS priority,
                {_pick('rl', LANGUAGES)} AS language,
                kind,
                (CASE kind {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in DETAILS.items())}
                 END) AS details,
                (CASE WHEN rs < 0.20 THEN now() - rd * interval '21 days'
                      ELSE now() - interval '21 days' - rd * interval '700 days' END)
                    AS created_at
            FROM (
                SELECT i, random() AS rs, random() AS rp, random() AS rl, random() AS rt,
                       random() AS ra, random() AS rd, random() AS ro,
                       {_pick('random()', [('family_reunification', .3), ('tracing', .25),
                                           ('social_services', .3), ('other', .15)])} AS kind
                FROM generate_series(1, {n}) AS g(i)
            ) raw
        ) shaped
    ) timed;
    INSERT INTO case_search (case_id, names, contacts, reference)
        SELECT id,
            (ARRAY{FIRST})[1 + (id::bigint * 7919) % {len(FIRST)}] || ' '
              || (ARRAY{LAST})[1 + (id::bigint * 104729) % {len(LAST)}]
              || (CASE WHEN kind = 'tracing'
                  THEN ' | ' || (ARRAY{FIRST})[1 + (id * 31) % {len(FIRST)}] || ' '
                  || (ARRAY{LAST})[1 + (id * 37) % {len(LAST)}] || ' | '
                  || (ARRAY{ORIGINAL})[1 + (id * 41) % {len(ORIGINAL)}] ELSE '' END),
            '+35840' || lpad(id::text, 7, '0') || ' client' || id || '@example.net',
            lower(replace(reference, '-', ''))
        FROM "case";
    INSERT INTO case_event (case_id, at, actor_id, action, data)
        SELECT id, created_at, NULL, 'created', '{{"source": "web"}}'::json FROM "case";
    INSERT INTO case_event (case_id, at, actor_id, action, data)
        SELECT id, created_at, NULL, 'routed', json_build_object('team_id', team_id, 'mode',
               'manual', 'matched', json_build_object('kind', kind), 'team_name', 'Team',
               'rule_id', 1, 'language', language) FROM "case";
    INSERT INTO case_message (case_id, author, channel, body, created_at)
        SELECT id, 'client', 'web', 'Lisätietoa asiastani.', created_at + interval '1 day'
        FROM "case" WHERE id % 3 = 0;
    """  # noqa: S608
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    started = time.perf_counter()
    with engine.begin() as conn:
        for statement in sql.split(";\n"):
            if statement.strip():
                conn.execute(text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


class Recorder:
    """The SQL statements of one request, with their time, for EXPLAIN."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.statements: list[tuple[float, str, object]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN201, PLR0913
        conn.info["bench_started"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN201, PLR0913
        if self.on:
            spent = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
            self.statements.append((spent, statement, parameters))


def explain(engine, statement: str, parameters: object) -> str:  # noqa: ANN001
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
        return plan
    finally:
        raw.close()


class HttpResponse(NamedTuple):
    status_code: int
    text: str


class HttpClient:
    """A browser's side of the conversation, reduced to what the scenarios need: one kept-alive
    connection, the cookies it is given, and GET and form POST."""

    def __init__(self, port: int, cookies: dict[str, str]) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self._cookies = dict(cookies)

    def _send(self, method: str, path: str, body: str | None = None) -> HttpResponse:
        headers = {"Accept-Language": "fi", "Accept-Encoding": "gzip", "Host": "testserver",
                   "Origin": "http://testserver",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self._cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = self._exchange(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closes a kept-alive connection idle past its keep-alive time (uvicorn:
            # 5 s) while other scenarios run; a browser opens a new one and sends again.
            self._connection.close()
            response = self._exchange(method, path, body, headers)
        body = response.read()
        if response.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        text = body.decode()
        for header in response.headers.get_all("set-cookie") or []:
            name, _, rest = header.partition("=")
            self._cookies[name] = rest.split(";", 1)[0]
        return HttpResponse(response.status, text)

    def _exchange(self, method: str, path: str, body: str | None,
                  headers: dict[str, str]) -> http.client.HTTPResponse:
        self._connection.request(method, path, body=body, headers=headers)
        return self._connection.getresponse()

    def get(self, path: str) -> HttpResponse:
        return self._send("GET", path)

    def post(self, path: str, data: dict[str, str]) -> HttpResponse:
        return self._send("POST", path, urllib.parse.urlencode(data))


def measure(client, path: str, requests: int) -> list[float]:  # noqa: ANN001
    for _ in range(5):  # warm the caches and the template compiler
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def measure_search(client, typed: str, requests: int) -> list[float]:  # noqa: ANN001
    """The search form posted as a browser posts it (CSRF token from the page)."""
    import re

    form = client.get("/triage/search").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    data = {"csrf_token": token, "q": typed}
    for _ in range(5):
        assert client.post("/triage/search", data=data).status_code == 200, typed
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.post("/triage/search", data=data)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (typed, response.status_code)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"  {label:<52} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms")


def explain_request(engine, client, path: str, label: str, top: int = 2) -> None:  # noqa: ANN001
    """The plans of the slowest statements of one request."""
    recorder = Recorder(engine)
    recorder.on = True
    client.get(path)
    recorder.on = False
    for spent, statement, parameters in sorted(recorder.statements, key=lambda s: -s[0])[:top]:
        print(f"\n  -- {label} ({path}): {spent * 1000:.1f} ms\n  "
              + " ".join(statement.split())[:400])
        print("  " + explain(engine, statement, parameters).replace("\n", "\n  "))
    event.remove(engine, "before_cursor_execute", recorder.before)
    event.remove(engine, "after_cursor_execute", recorder.after)


def run_size(n: int, requests: int, keep: bool, reuse: str = "", only: str = "",
             in_process: bool = False) -> None:
    from dataclasses import replace

    from sqlmodel import Session
    from starlette.testclient import TestClient

    from triage.accounts import sessions
    from triage.accounts.models import StaffUser
    from yhteys.app import create_app
    from yhteys.db import engine_for
    from yhteys.migrate import upgrade
    from yhteys.settings import Settings, set_settings

    name = reuse or f"yhteys_board_bench_{n}_{os.getpid()}"
    server: subprocess.Popen | None = None
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}" if reuse else create_database(name)
    try:
        var_dir = Path(tempfile.mkdtemp(prefix="board-bench-"))
        settings = replace(Settings(), env="bench", database_url=url, secret_key=SECRET,
                           base_url="http://testserver", var_dir=var_dir,
                           upload_dir=var_dir / "uploads", mail_dir=var_dir / "mail")
        set_settings(settings)
        print(f"\n== {n:,} cases ==")
        if reuse:
            staff = existing_staff(url)
        else:
            upgrade(url)
            staff = make_staff(url)
            seconds = seed_cases(url, n, staff)
            print(f"  seeded in {seconds:.1f} s (cases, 2 history events each, a message for 1 "
                  "in 3)")
        engine = engine_for(url)
        with engine.connect() as conn:
            counts = dict(conn.execute(text('SELECT state, count(*) FROM "case" GROUP BY 1')).all())
        print("  by state:", ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))

        app = create_app(settings)
        port = 0
        if not in_process:
            port = intake_bench.free_port()
            # Sessions are made here, so the server signs with this process's key.
            server = intake_bench.start_server(url, var_dir, port, 1, SECRET_KEY=SECRET,
                                               BASE_URL="http://testserver")
        clients, local = {}, {}
        with Session(engine, expire_on_commit=False) as db:
            for role in ("supervisor", "advisor", "two_teams"):
                user = db.get(StaffUser, staff[role])
                token = sessions.start(db, user, stage=sessions.FULL)
                db.commit()
                client = TestClient(app, base_url="http://testserver", follow_redirects=False)
                client.cookies.set(sessions.COOKIE_NAME, token, domain="testserver.local",
                                   path="/triage")
                client.headers["accept-language"] = "fi"
                local[role] = client  # the plans below are read in this process
                clients[role] = client if in_process else HttpClient(
                    port, {sessions.COOKIE_NAME: token})
        print("  through the test client, in process" if in_process
              else "  over HTTP to `yhteys serve`, one process")
        with engine.connect() as conn:
            reference = conn.execute(text(
                "SELECT reference FROM \"case\" WHERE state = 'in_progress' AND id % 3 = 0 "
                "ORDER BY id LIMIT 1")).scalar()
        tracing = staff["teams"]["Tracing"]
        scenarios = [
            ("supervisor", "/triage/board", "board, supervisor, no filter"),
            ("supervisor", "/triage/board?priority=urgent", "board, supervisor, urgent only"),
            ("supervisor", "/triage/board?overdue=1", "board, supervisor, overdue only"),
            ("supervisor", "/triage/board?language=ti&kind=tracing", "board, language+kind"),
            ("supervisor", f"/triage/board?team={tracing}", "board, one team"),
            ("supervisor", "/triage/board?assignee=none", "board, unassigned"),
            ("supervisor", "/triage/board?page_closed=40", "board, closed column page 40 (cap)"),
            ("supervisor", f"/triage/board?reference={reference}", "board, by reference"),
            ("advisor", "/triage/board", "board, advisor of one team"),
            ("advisor", "/triage/board?assignee=me", "board, advisor, my cases"),
            ("two_teams", "/triage/board", "board, advisor of two teams"),
            ("supervisor", f"/triage/cases/{reference}", "case page"),
        ]
        searches = [  # (role, what is typed, label)
            ("supervisor", "yusuf haddad", "search, supervisor, full name"),
            ("supervisor", "hodan", "search, supervisor, a common first name"),
            ("supervisor", "warsame", "search, supervisor, family name"),
            ("supervisor", "يوسف", "search, supervisor, Arabic script"),
            ("advisor", "yonas kidane", "search, advisor of one team, full name"),
            ("two_teams", "ibrahim", "search, advisor of two teams, first name"),
            ("supervisor", "040 012 3457", "search, supervisor, phone number"),
            ("advisor", "client4242@example.net", "search, advisor, email"),
            ("supervisor", "Q0001", "search, supervisor, part of a reference"),
            ("advisor", "zzqx", "search, advisor, nothing matches"),
        ]
        slow = []
        for role, path, label in scenarios:
            if only and only not in label:
                continue
            times = measure(clients[role], path, requests)
            report(label, times)
            if sorted(times)[int(len(times) * 0.95) - 1] > 100:
                slow.append((role, path, label))
        for role, typed, label in searches:
            if only and only not in label:
                continue
            times = measure_search(clients[role], typed, requests)
            report(label, times)
        # The plans the numbers rest on: the plain board, and whatever missed 100 ms.
        for role, path, label in [("supervisor", "/triage/board", "board"),
                                  ("two_teams", "/triage/board", "board, two teams"), *slow]:
            explain_request(engine, local[role], path, label)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        set_settings(None)
        if keep or reuse:
            print(f"kept database {name}")
        else:
            drop_database(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", default="", metavar="DATABASE",
                        help="measure a database kept by --keep (one size) instead of seeding")
    parser.add_argument("--only", default="", help="only the scenarios whose label has this")
    parser.add_argument("--in-process", action="store_true",
                        help="through Starlette's test client, as runs before 2026-12-07 did")
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)  # the app's request logs would drown the numbers
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, args.requests, args.keep, args.reuse, args.only, args.in_process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
