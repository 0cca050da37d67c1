"""Every casework view and action leaves its event in the audit trail."""

import re

import pytest
from sqlmodel import Session, select

from tests.triage.casework_factories import client_writes, make_case
from triage.accounts.models import AuditEvent
from triage.casework.models import RoutingRule, SavedReply
from yhteys.db import get_engine


@pytest.fixture
def world(make_team, make_staff, client, login_fast):  # noqa: ANN001, ANN201
    team = make_team("Advice")
    other_team = make_team("Tracing")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.add(SavedReply(language="fi", title="Klinikka", body="Global Clinic"))
        db.commit()
    boss = make_staff(display_name="Boss", teams=[team], roles=["advisor", "supervisor"])
    colleague = make_staff(display_name="Colleague", teams=[team])
    login_fast(client, boss)
    return {"team": team, "other": other_team, "boss": boss, "colleague": colleague}


def last_actions(case_id: int | None, n: int = 1) -> list[str]:
    with Session(get_engine()) as db:
        query = select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(n)
        if case_id is not None:
            query = query.where(AuditEvent.case_id == case_id)
        return list(db.scalars(query))


def post(client, case, action: str, **data):  # noqa: ANN001, ANN003, ANN201
    page = client.get(f"/triage/cases/{case.reference}").text
    fields = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
              "version": re.search(r'name="version" value="(\d+)"', page).group(1)}
    fields.update(data)
    return client.post(f"/triage/cases/{case.reference}/{action}", data=fields)


def test_every_action_is_audited(client, world):
    case = make_case()
    other = make_case(contact_address=case.contact_address)  # a suggested duplicate
    steps = [
        ("claim", {}, "case.claim"),
        ("assign", {"assignee": str(world["colleague"].id)}, "case.assign"),
        ("assign", {"assignee": "none"}, "case.unassign"),
        ("claim", {}, "case.claim"),
        ("state", {"state": "in_progress"}, "case.state"),
        ("priority", {"priority": "high", "priority_reason": "Phone call"}, "case.priority"),
        ("note", {"note": "Internal"}, "case.note"),
        ("reply", {"reply": "Hei", "do": "send"}, "case.reply"),
        ("reply", {"reply": "Hei", "do": "insert", "saved_reply": "1"}, "case.view"),
        ("duplicate", {"other": other.reference, "op": "dismiss"}, "case.dismiss_duplicate"),
        ("duplicate", {"other": other.reference, "op": "merge"}, "case.link_duplicate"),
        ("refer", {"team": str(world["other"].id), "refer_reason": "Tracing case"},
         "case.refer"),
        ("close", {"outcome": "advised"}, "case.close"),
        ("state", {"state": "new"}, "case.state"),  # reopened, back to the team
        ("route", {}, "case.route"),
    ]
    for action, data, expected in steps:
        response = post(client, case, action, **data)
        assert response.status_code in (200, 303), (action, response.status_code)
        assert last_actions(case.id)[0] == expected, action
    client_writes(case.id)
    assert post(client, case, "seen").status_code == 303
    assert last_actions(case.id)[0] == "case.mark_seen"
    assert last_actions(other.id)[0] == "case.close"  # closed as the duplicate


def test_views_and_supervisor_pages_are_audited(client, world):
    case = make_case()
    client.get("/triage/board?kind=other")
    assert last_actions(None)[0] == "board.view"
    client.get(f"/triage/cases/{case.reference}")
    assert last_actions(case.id)[0] == "case.view"
    for path, action in (("/triage/rules", "rules.view"),
                         ("/triage/saved-replies", "saved_replies.view"),
                         ("/triage/sla", "sla.view")):
        assert client.get(path).status_code == 200
        assert last_actions(None)[0] == action


def test_supervisor_changes_are_audited(client, world):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/triage/rules").text).group(1)
    changes = [
        ("/triage/rules", {"kind": "tracing", "team": str(world["other"].id)}, "rules.create"),
        ("/triage/saved-replies", {"language": "ar", "title": "Klinikka", "body": "..."},
         "saved_replies.save"),
        ("/triage/sla", {"what": "closure", "day": "2026-12-30"}, "sla.closure_add"),
        ("/triage/sla", {"what": "closure_delete", "day": "2026-12-30"}, "sla.closure_delete"),
        ("/triage/sla", {"what": "targets", **{f"{p}_{t}": v for p, t, v in [
            ("urgent", "first", "3"), ("urgent", "done", "14"), ("high", "first", "7"),
            ("high", "done", "35"), ("normal", "first", "14"), ("normal", "done", "70")]}},
         "sla.targets"),
        ("/triage/sla", {"what": "urgency", "fr_window_months": "3", "fr_urgent_days": "21",
                         "fr_high_days": "45", "fr_appeal_days": "30"}, "urgency.settings"),
    ]
    for path, data, action in changes:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 303, (path, response.text[:500])
        assert last_actions(None)[0] == action
    with Session(get_engine()) as db:
        rule = db.scalars(select(RoutingRule).where(RoutingRule.kind == "tracing")).one()
        reply = db.scalars(select(SavedReply).where(SavedReply.language == "ar")).one()
    assert client.post(f"/triage/rules/{rule.id}/delete",
                       data={"csrf_token": token}).status_code == 303
    assert last_actions(None)[0] == "rules.delete"
    assert client.post(f"/triage/saved-replies/{reply.id}/delete",
                       data={"csrf_token": token}).status_code == 303
    assert last_actions(None)[0] == "saved_replies.delete"


def test_attachment_download_is_audited_and_safe(client, world, settings):
    import hashlib

    from intake.models import Attachment
    from intake.storage import storage

    case = make_case()
    data = b"%PDF-1.4 test file"
    with Session(get_engine()) as db:
        row = Attachment(case_id=case.id, storage_key=storage().save(data),
                         filename="kirje ä.pdf", content_type="application/pdf", size=len(data),
                         sha256=hashlib.sha256(data).hexdigest())
        db.add(row)
        db.commit()
        db.refresh(row)
    response = client.get(f"/triage/cases/{case.reference}/attachments/{row.id}")
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert last_actions(case.id)[0] == "attachment.download"
    other = make_case()
    assert client.get(f"/triage/cases/{other.reference}/attachments/{row.id}").status_code == 404
