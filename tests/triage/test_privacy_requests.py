"""Case list exports, the access export, erasure, retention of forgotten cases, the breach digest.

Planted strings: a unique marker in every personal field, message, note, file name and
notification address of a case; after erasure (or retention) none is found in a dump of the
database (SQLite: the file and its -wal; PostgreSQL: pg_dump) nor in the storage folder.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from intake.attachments import inspect
from intake.models import Case, CaseMessage
from notify.models import Notification
from tests.test_canary import database_dump, folder_bytes
from tests.triage.test_retention import _png, submit_case
from triage.accounts.models import AuditEvent
from triage.casework.models import CaseNote
from yhteys.clock import now
from yhteys.db import get_engine, truncate_wal


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


def _marker(field: str) -> str:
    return f"{field}{secrets.token_hex(6)}"


def planted_case() -> tuple[Case, dict[str, str]]:
    """A submitted case with a marker in every place a person's data can be."""
    from intake.service import add_client_message

    m = {f: _marker(f) for f in ("name", "local", "message", "sought", "place",
                                 "clientmsg", "staffmsg", "note", "file", "reason")}
    phone = "+35840" + "".join(secrets.choice("123456789") for _ in range(7))
    m["phone"] = phone[1:]
    address = f"{m['local']}@example.org"
    result = submit_case(
        name=f"Selam {m['name']}", contact_address=address, backup_address=phone,
        area="Helsinki", message=f"Etsin {m['message']}.",
        details={"persons": [{"name": f"Abraham {m['sought']}", "birth_date": "1990-04-02",
                              "relationship": "sibling", "last_place": m["place"]}]},
    )
    case_id = result.case.id
    add_client_message(case_id, f"Arpi {m['clientmsg']}",
                       files=[inspect(f"{m['file']}.png", _png())])
    with Session(get_engine(), expire_on_commit=False) as db:
        db.add(CaseMessage(case_id=case_id, author="staff", body=f"Soitan {m['staffmsg']}"))
        db.add(CaseNote(case_id=case_id, body=f"Asuu {m['note']}"))
        case = db.get(Case, case_id)
        case.priority_reason = m["reason"]
        db.add(case)
        db.commit()
        db.refresh(case)
    return case, m


def found(data: bytes, markers: dict[str, str]) -> list[str]:
    return [field for field, value in markers.items() if value.encode() in data]


def leftovers(settings, markers: dict[str, str]) -> dict[str, list[str]]:  # noqa: ANN001
    truncate_wal()
    where = {"database": found(database_dump(settings.database_url), markers)}
    for name, data in folder_bytes(settings.upload_dir):
        if hits := found(data, markers):
            where[name] = hits
    return {k: v for k, v in where.items() if v}


# --- inert cells and the case list -------------------------------------------------------------


@pytest.mark.parametrize("cell, expected", [
    ("=1+1", "'=1+1"), ("+358", "'+358"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Selam", "Selam"), ("", ""), (None, ""), (5, "5"),
    ("a=1", "a=1"),
])
def test_a_cell_that_a_spreadsheet_would_run_is_made_inert(cell, expected):  # noqa: ANN001
    from triage.exports import inert

    assert inert(cell) == expected


def _export_world(make_staff, make_team):  # noqa: ANN001, ANN202
    team = make_team()
    formula = submit_case(name="=HYPERLINK(\"http://evil.example\",\"x\")",
                          message="-cmd|' /C calc'!A0",
                          details={"persons": [{"name": "Abraham", "relationship": "sibling",
                                                "last_place": "@SUM(1)"}]})
    plain = submit_case(name="Dawit", kind="tracing")
    with Session(get_engine()) as db:
        for case_id in (formula.case.id, plain.case.id):
            case = db.get(Case, case_id)
            case.team_id = team.id
            db.add(case)
        db.commit()
    return team, formula, plain


def test_the_case_list_downloads_as_csv_and_xlsx_with_every_formula_inert(
        client, make_staff, make_team, login_fast):  # noqa: ANN001
    from openpyxl import load_workbook

    team, formula, plain = _export_world(make_staff, make_team)
    boss = make_staff(roles=("supervisor",))
    login_fast(client, boss)
    query = f"team={team.id}&kind=tracing&answers=1"

    response = client.get(f"/triage/exports/cases.csv?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    assert {r[0] for r in rows} == {formula.reference, plain.reference}
    cells = [c for r in rows for c in r]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells
    assert "'@SUM(1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "name" in header and "contact_address" in header

    response = client.get(f"/triage/exports/cases.xlsx?{query}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    values = [cell for row in book.active.iter_rows() for cell in row]
    assert not [c for c in values if c.data_type == "f"]
    texts = [c.value for c in values if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in texts
    assert not [t for t in texts if t[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {r[0].value for r in book.active.iter_rows(min_row=2)} == {
        formula.reference, plain.reference}

    with Session(get_engine()) as db:
        audit = db.scalars(select(AuditEvent).where(
            AuditEvent.action.like("export.cases_%"))).all()  # type: ignore[attr-defined]
        assert sorted(a.action for a in audit) == ["export.cases_csv", "export.cases_xlsx"]
        assert all(a.actor_id == boss.id and a.detail["rows"] == 2 for a in audit)
        assert "Dawit" not in json.dumps([a.detail for a in audit])


@pytest.mark.parametrize("roles", [("advisor",), ("admin",)])
def test_only_supervisors_export_access_or_erase(client, make_staff, login_fast, roles):  # noqa: ANN001
    case = submit_case()
    login_fast(client, make_staff(roles=roles))
    for path in ("/triage/exports/cases.csv", "/triage/exports/cases.xlsx",
                 f"/triage/cases/{case.reference}/access-export",
                 f"/triage/cases/{case.reference}/erase"):
        assert client.get(path).status_code == 403, path
    with Session(get_engine()) as db:
        assert db.get(Case, case.case.id).anonymised_at is None


# --- access and erasure ------------------------------------------------------------------------


def test_the_access_export_holds_everything_of_its_case_and_nothing_of_another(
        client, make_staff, login_fast):  # noqa: ANN001
    case, mine = planted_case()
    _, theirs = planted_case()
    boss = make_staff(roles=("supervisor",))
    login_fast(client, boss)
    response = client.get(f"/triage/cases/{case.reference}/access-export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    everything = b"".join(archive.read(n) for n in archive.namelist())
    everything += " ".join(archive.namelist()).encode()
    assert found(everything, mine) == list(mine), "missing: " + str(
        set(mine) - set(found(everything, mine)))
    assert found(everything, theirs) == []
    document = json.loads(archive.read("case.json"))
    assert len(document["files"]) == 2
    for entry in document["files"]:
        assert archive.read(entry["path"]).startswith(b"\x89PNG")  # opened, not sealed
    assert document["consents"] and document["history"] and document["notifications"]
    assert "status_secret_hash" not in document["case"]
    with Session(get_engine()) as db:
        audit = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "case.access_export")).all()
        assert [(a.actor_id, a.case_id) for a in audit] == [(boss.id, case.id)]


def test_erasure_leaves_no_planted_string_in_the_database_or_the_files(
        settings, client, make_staff, login_fast, form_token):  # noqa: ANN001
    case, mine = planted_case()
    other, theirs = planted_case()
    assert set(leftovers(settings, mine)["database"]) == set(mine)  # the test can fail
    boss = make_staff(roles=("supervisor",))
    login_fast(client, boss)
    path = f"/triage/cases/{case.reference}/erase"
    page = client.get(path)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 400  # a reason is needed
    assert client.post(path, data={"reason": "data_subject_request"}).status_code == 403
    response = client.post(path, data={"csrf_token": token, "reason": "data_subject_request"})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and not found(page.content, mine)

    assert leftovers(settings, mine) == {}
    assert set(leftovers(settings, theirs)["database"]) == set(theirs)  # the other case stays
    with Session(get_engine()) as db:
        erased = db.get(Case, case.id)
        assert erased.anonymised_at is not None and erased.state == "closed"
        assert (erased.kind, erased.language, erased.reference) == ("tracing", "fi",
                                                                   case.reference)
        audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "case.erase")).all()
        assert [(a.actor_id, a.case_id, a.detail) for a in audit] == [
            (boss.id, case.id, {"reason": "data_subject_request"})]
        rows = db.scalars(select(Notification).where(
            Notification.reference == case.reference)).all()
        assert rows and all(r.recipient == "" and r.state != "pending" for r in rows)
    # Again: refused, nothing new in the trail.
    assert client.post(path, data={"csrf_token": token,
                                   "reason": "other"}).status_code == 400


# --- retention of forgotten cases --------------------------------------------------------------


def test_a_forgotten_case_is_closed_then_anonymised_and_the_dry_run_says_so(
        settings, use_settings, capsys):  # noqa: ANN001
    from triage import retention

    case, mine = planted_case()
    lively, _ = planted_case()
    later = now() + timedelta(days=settings.inactive_days + 1)
    with Session(get_engine()) as db:
        for row in db.scalars(select(Notification)):
            row.state = "sent"  # retention blanks the addresses of rows already sent
            db.add(row)
        # The other case heard from her yesterday (as seen from a year on): not forgotten.
        db.add(CaseMessage(case_id=lively.id, author="client", body="Here again",
                           created_at=later - timedelta(days=1)))
        db.commit()

    use_settings(frozen_now=later)
    args = type("Args", (), {"dry_run": True})()
    assert retention._retention_command(args) == 0
    printed = capsys.readouterr().out
    assert case.reference in printed and lively.reference not in printed
    assert "1 open cases inactive" in printed
    assert not found(printed.encode(), mine)
    with Session(get_engine()) as db:
        assert db.get(Case, case.id).state != "closed"  # a dry run changes nothing

    assert retention.run_once() == 0  # closed now, anonymised RETENTION_DAYS after
    with Session(get_engine()) as db:
        closed = db.get(Case, case.id)
        assert (closed.state, closed.outcome) == ("closed", "not_reachable")
        assert db.get(Case, lively.id).state != "closed"
    use_settings(frozen_now=later + timedelta(days=settings.retention_days + 1))
    assert retention.run_once() >= 1
    assert leftovers(settings, mine) == {}


# --- the breach digest -------------------------------------------------------------------------


def test_fifty_breaches_in_an_hour_make_one_digest_per_supervisor(
        settings, make_staff, make_team):  # noqa: ANN001
    from notify.messages import render
    from tests.triage.casework_factories import make_case
    from triage.casework.breaches import check_breaches

    team = make_team()
    bosses = [make_staff(roles=("supervisor",), teams=[team]) for _ in range(2)]
    elsewhere = make_staff(roles=("supervisor",), teams=[make_team()])
    start = now()
    cases = []
    for n in range(50):
        due = start + timedelta(minutes=n)
        cases.append(make_case(announce=False, team_id=team.id, state="new", due_at=due,
                               first_response_due_at=due, resolution_due_at=due + timedelta(
                                   days=30)))
    with Session(get_engine()) as db:
        for n in range(0, 55, 5):  # a check every five minutes for the hour
            check_breaches(db, start + timedelta(minutes=n, seconds=1))
            db.commit()
        digests = db.scalars(select(Notification).where(
            Notification.event == "staff_breach_digest")).all()
        assert sorted(d.recipient for d in digests) == sorted(b.email for b in bosses)
        assert elsewhere.email not in {d.recipient for d in digests}
        assert not db.scalars(select(Notification).where(
            Notification.event == "staff_sla_breach")).all()
        # The first digest went at once; the next, an hour later, lists the rest.
        check_breaches(db, start + timedelta(minutes=61, seconds=2))
        db.commit()
        digests = db.scalars(select(Notification).where(
            Notification.event == "staff_breach_digest",
            Notification.recipient == bosses[0].email)).all()
    listed = [r for d in digests for r in d.context["references"].split(",")]
    assert sorted(listed) == sorted(c.reference for c in cases)  # each once
    message = render("staff_breach_digest", "fi", digests[-1].context)
    assert all(r in message.text for r in digests[-1].context["references"].split(","))
    assert f"{settings.base_url.rstrip('/')}/triage/cases/{cases[-1].reference}" in message.html


@pytest.mark.parametrize("references", [
    "", "K7M-4QX-P9T,Selam Tesfaye", ",".join(["K7M-4QX-P9T"] * 201)])
def test_a_digest_carries_references_only(settings, references):  # noqa: ANN001
    from notify.outbox import NotificationError, queue_notification

    with Session(get_engine()) as db, pytest.raises(NotificationError):
        queue_notification(db, event="staff_breach_digest", channel="email",
                           recipient="boss@example.org", locale="fi", subject_key="d",
                           context={"references": references,
                                    "staff_url": f"{settings.base_url.rstrip('/')}/triage/cases"})
