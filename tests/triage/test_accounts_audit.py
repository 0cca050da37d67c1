"""The audit trail: append-only in the database, recorded with the change, browsable, exported."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from triage.accounts import audit
from triage.accounts.auth import can_read_case, readable_team_ids
from triage.accounts.models import AuditEvent
from yhteys.db import get_engine

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


def test_record_joins_the_callers_transaction(session, make_staff):
    user = make_staff()
    audit.record(session, actor=user, action="case.view", case_id=7, detail={"tab": "notes"})
    session.rollback()  # the change failed: its audit event goes with it
    assert session.exec(select(AuditEvent)).all() == []
    event = audit.record(session, actor=user, action="case.view", case_id=7)
    session.commit()
    assert event.id and event.actor_id == user.id and event.case_id == 7


def test_detail_stays_small(session):
    with pytest.raises(ValueError, match="too large"):
        audit.record(session, actor=None, action="x.y", detail={"blob": "x" * 5000})
    event = audit.record(session, actor=None, action="x.y", detail={"ids": list(range(300))})
    assert event.detail == {"ids": list(range(300))}  # ids and codes fit


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'nothing'",
    "DELETE FROM audit_event",
])
def test_the_trail_is_append_only_in_the_database(session, statement):
    audit.record(session, actor=None, action="login.failure")
    session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        session.execute(text(statement))
        session.flush()
    session.rollback()
    assert [e.action for e in session.exec(select(AuditEvent)).all()] == ["login.failure"]


def test_search_filters_and_pages(session, make_staff):
    alice, bob = make_staff(), make_staff()
    for n in range(60):
        audit.record(session, actor=alice if n % 2 else bob, action="case.view", case_id=n % 3)
    audit.record(session, actor=alice, action="case.update", case_id=1)
    session.commit()
    assert audit.search(session, audit.Filters()).total == 61
    assert audit.search(session, audit.Filters(actor_id=alice.id)).total == 31
    assert audit.search(session, audit.Filters(action="case.update")).total == 1
    assert audit.search(session, audit.Filters(action="case.")).total == 61
    assert audit.search(session, audit.Filters(case_id=1, actor_id=alice.id)).total == 11
    page2 = audit.search(session, audit.Filters(), page=2, per_page=50)
    assert len(page2.events) == 11 and page2.pages == 2
    assert audit.actions(session) == ["case.update", "case.view"]


def test_supervisors_browse_and_filter_by_case_reference_and_dates(
        client, make_staff, login_fast, use_settings):
    from tests.triage.casework_factories import make_case

    supervisor = make_staff(roles=("supervisor",), display_name="Sanna")
    case = make_case(announce=False)
    with Session(get_engine()) as db:
        for days in (0, 1, 5):
            use_settings(frozen_now=T0 - timedelta(days=days))
            audit.record(db, actor=supervisor, action="case.view", case_id=case.id)
        db.commit()
    use_settings(frozen_now=T0)
    login_fast(client, supervisor)
    page = client.get("/triage/audit", params={"case": case.reference.lower()})
    assert page.status_code == 200
    assert page.text.count("<td>case.view</td>") == 3 and case.reference in page.text
    since = (T0 - timedelta(days=2)).date().isoformat()
    page = client.get("/triage/audit", params={"since": since, "until": T0.date().isoformat()})
    assert page.text.count("<td>case.view</td>") == 2
    nothing = client.get("/triage/audit", params={"case": "NOT-A-REF"})
    assert "Nothing matches." in nothing.text


def test_export_is_csv_and_itself_audited(client, make_staff, login_fast):
    supervisor = make_staff(roles=("supervisor",), display_name="=cmd|' /C calc'!A0")
    with Session(get_engine()) as db:
        audit.record(db, actor=supervisor, action="case.view", case_id=3)
        db.commit()
    login_fast(client, supervisor)
    response = client.get("/triage/audit/export.csv", params={"action": "case.view"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:5] == ["id", "at_utc", "actor_id", "actor", "action"]
    assert rows[1][4] == "case.view" and rows[1][3].startswith("'=")  # no formula injection
    with Session(get_engine()) as db:
        export = db.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).one()
    assert export.detail == {"rows": 1, "filters": {"action": "case.view"}}


def test_logins_logouts_and_account_changes_are_all_audited(client, make_staff, login,
                                                           use_settings):
    import re

    use_settings(frozen_now=T0)
    user = make_staff()
    login(client, user)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/triage/account").text)[1]
    client.post("/triage/account/sessions/end-others", data={"csrf_token": csrf})
    client.post("/triage/logout", data={"csrf_token": csrf})
    with Session(get_engine()) as db:
        actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions == ["login.success", "logout.others", "logout"]


def test_can_read_case_by_role_and_team(make_staff, make_team):
    mine, theirs = make_team("Tracing"), make_team("Social services")
    advisor = make_staff(teams=[mine])
    supervisor = make_staff(roles=("supervisor",))
    admin = make_staff(roles=("admin",))
    both = make_staff(roles=("admin", "supervisor"))
    assert can_read_case(advisor, mine.id)
    assert not can_read_case(advisor, theirs.id)
    assert not can_read_case(advisor, None)  # not routed yet: supervisors route it
    assert can_read_case(supervisor, theirs.id) and can_read_case(supervisor, None)
    assert not can_read_case(admin, mine.id)
    assert can_read_case(both, theirs.id)
    assert not can_read_case(None, mine.id)
    assert readable_team_ids(advisor) == {mine.id}
    assert readable_team_ids(supervisor) is None and readable_team_ids(admin) == frozenset()


def test_finnish_staff_read_the_audit_date_filter_as_a_date(client, make_staff, login_fast):
    # Once the six catalogs were merged into one and casework's "To" (a recipient) won.
    supervisor = make_staff(roles=("supervisor",))
    login_fast(client, supervisor)
    page = client.get("/triage/audit", headers={"accept-language": "fi"}).text
    label = page.split('<label for="until">', 1)[1].split("</label>", 1)[0]
    assert label == "Asti"
    assert "Vastaanottaja" not in page
