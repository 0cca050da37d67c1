"""Merging a duplicate keeps everything: her messages, files, request, consents, the notes and the
history move to the surviving case, and both of her status links open it."""

from __future__ import annotations

import re
import secrets

import pytest
from sqlmodel import Session, col, select

from intake.models import Attachment, Case, CaseMessage, Consent
from tests.intake.conftest import Browser, form_data, hidden, status_link
from tests.triage.casework_factories import fresh
from triage.accounts.models import AuditEvent
from triage.casework.models import CaseEvent, CaseNote, RoutingRule
from yhteys.db import get_engine


@pytest.fixture
def advisor(make_team, make_staff):  # noqa: ANN001, ANN201
    team = make_team("Advice", email="queue@example.org")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    return make_staff(display_name="Aino", teams=[team])


def _send(client, message: str) -> tuple[Case, str]:  # noqa: ANN001
    browser = Browser(client)
    response = browser.send("other", form_data("other", message=message))
    assert response.status_code == 200, response.text[:500]
    path = status_link(response.text).replace("http://testserver", "")
    with Session(get_engine(), expire_on_commit=False) as db:
        case = db.exec(select(Case).order_by(col(Case.id).desc())).first()
    return case, path


def _write(client, path: str, body: str) -> None:  # noqa: ANN001
    page = client.get(path).text
    response = client.post(path, data={"csrf_token": hidden(page, "csrf_token"), "body": body})
    assert response.status_code == 303, response.text[:500]


def _file(case_id: int, message_id: int | None = None) -> int:
    with Session(get_engine()) as db:
        row = Attachment(case_id=case_id, message_id=message_id,
                         storage_key=secrets.token_hex(16), filename="passport.pdf",
                         content_type="application/pdf", size=10, sha256="0" * 64)
        db.add(row)
        db.commit()
        return row.id


def _note(case_id: int, body: str) -> None:
    with Session(get_engine()) as db:
        db.add(CaseNote(case_id=case_id, author_id=None, body=body))
        db.commit()


def _rows(model, case_id: int) -> list:  # noqa: ANN001
    with Session(get_engine()) as db:
        return list(db.scalars(select(model).where(col(model.case_id) == case_id)))


def _merge(client, login_fast, advisor, survivor: Case, merged: Case):  # noqa: ANN001, ANN201
    login_fast(client, advisor)
    client.headers["accept-language"] = "en"
    page = client.get(f"/triage/cases/{survivor.reference}").text
    return client.post(f"/triage/cases/{survivor.reference}/duplicate", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "other": merged.reference, "op": "merge",
    })


def test_a_merge_moves_everything_and_both_links_open_the_survivor(client, advisor, login_fast):
    original, original_path = _send(client, "My first request, about my brother.")
    again, again_path = _send(client, "I wrote before, nobody answered.")
    _write(client, original_path, "Here is more about my brother.")
    _write(client, again_path, "Please call me in the morning.")
    first_file = _file(original.id)  # with her request
    [later_message] = _rows(CaseMessage, original.id)
    second_file = _file(original.id, later_message.id)
    third_file = _file(again.id)
    _note(original.id, "Called her, no answer.")
    _note(again.id, "Same person as the first case.")
    history_before = {e.id for e in _rows(CaseEvent, original.id)}
    consents_before = {c.id for c in _rows(Consent, original.id) + _rows(Consent, again.id)}
    assert history_before and len(consents_before) == 2

    response = _merge(client, login_fast, advisor, survivor=again, merged=original)
    assert response.status_code == 303, response.text[:800]

    bodies = sorted(m.body for m in _rows(CaseMessage, again.id))
    assert bodies == sorted([
        "My first request, about my brother.",  # her first request, now in the one thread
        "Here is more about my brother.", "Please call me in the morning.",
    ])
    assert _rows(CaseMessage, original.id) == []
    files = {a.id: a for a in _rows(Attachment, again.id)}
    assert set(files) == {first_file, second_file, third_file}
    assert files[second_file].message_id == later_message.id
    assert files[first_file].message_id is not None  # on her first request's message
    assert sorted(n.body for n in _rows(CaseNote, again.id)) == [
        "Called her, no answer.", "Same person as the first case."]
    assert {c.id for c in _rows(Consent, again.id)} == consents_before
    moved = {e.id: e for e in _rows(CaseEvent, again.id)}
    assert history_before <= set(moved)
    assert all(moved[i].data["merged_from"] == original.reference for i in history_before)
    assert any(e.action == "merged" for e in moved.values())
    left = [e.action for e in _rows(CaseEvent, original.id)]
    assert "merged_into" in left and "closed" in left
    closed = fresh(original.id)
    assert (closed.state, closed.outcome, closed.merged_into_id) == ("closed", "duplicate",
                                                                    again.id)
    with Session(get_engine()) as db:
        audit = db.scalars(select(AuditEvent).where(col(AuditEvent.action) == "case.merge")).one()
    assert audit.case_id == again.id and audit.detail["merged_case_id"] == original.id
    assert audit.detail["messages"] == 2 and audit.detail["files"] == 2

    for path in (original_path, again_path):
        page = client.get(path)
        assert page.status_code == 200
        assert again.reference in page.text and original.reference not in page.text
        assert "Your request is closed." not in page.text
        for body in bodies:
            assert body in page.text
    # What she writes through her first link lands on the case that goes on.
    _write(client, original_path, "Still here.")
    assert "Still here." in [m.body for m in _rows(CaseMessage, again.id)]

    staff_page = client.get(f"/triage/cases/{again.reference}").text
    assert f"{original.reference} was merged into this case" in staff_page
    assert f"(from {original.reference})" in staff_page


def test_the_survivor_takes_the_higher_priority(client, advisor, login_fast, settings):
    calm, _path = _send(client, "A question about a form.")
    urgent, urgent_path = _send(client, "No place to sleep.")
    page = client.get(urgent_path).text
    client.post(f"{urgent_path}/urgent", data={"csrf_token": hidden(page, "csrf_token"),
                                                "reason": "no_place_tonight"})
    assert fresh(urgent.id).priority == "urgent"
    assert _merge(client, login_fast, advisor, survivor=calm, merged=urgent).status_code == 303
    survivor = fresh(calm.id)
    assert survivor.priority == "urgent" and urgent.reference in survivor.priority_reason


def test_ending_a_link_of_a_merged_case_ends_that_link(client, advisor, login_fast):
    original, original_path = _send(client, "First.")
    again, again_path = _send(client, "Second.")
    assert _merge(client, login_fast, advisor, survivor=again, merged=original).status_code == 303
    page = client.get(original_path).text
    response = client.post(f"{original_path}/end",
                           data={"csrf_token": hidden(page, "csrf_token")})
    assert response.status_code == 200
    assert client.get(original_path).status_code == 410
    assert client.get(again_path).status_code == 200  # her other link still opens the case


def test_a_merged_case_keeps_its_data_while_the_survivor_is_kept(client, advisor, login_fast,
                                                                  settings):
    from datetime import timedelta

    from intake.retention import anonymise_case, due_for_anonymisation
    from yhteys.clock import now

    original, original_path = _send(client, "First.")
    again, _again_path = _send(client, "Second.")
    assert _merge(client, login_fast, advisor, survivor=again, merged=original).status_code == 303
    later = now() + timedelta(days=settings.retention_days + 1)
    with Session(get_engine()) as db:
        assert due_for_anonymisation(db, later, settings.retention_days) == []
    assert client.get(original_path).status_code == 200
    with Session(get_engine()) as db:
        anonymise_case(db, db.get(Case, again.id))
        db.commit()
        assert [c.id for c in due_for_anonymisation(db, later, settings.retention_days)] == [
            original.id]


def _send_whatsapp(client, message: str) -> tuple[Case, str]:  # noqa: ANN001
    browser = Browser(client)
    data = form_data("other", message=message, contact_channel="whatsapp")
    response = browser.send("other", data)
    assert response.status_code == 200, response.text[:500]
    path = status_link(response.text).replace("http://testserver", "")
    with Session(get_engine(), expire_on_commit=False) as db:
        case = db.exec(select(Case).order_by(col(Case.id).desc())).first()
    return case, path


def test_her_whatsapp_stays_connected_and_no_useless_code_is_shown(client, advisor, login_fast):
    from yhteys.clock import now

    original, original_path = _send_whatsapp(client, "First.")
    again, again_path = _send_whatsapp(client, "Second.")
    assert "send this code" in client.get(original_path).text
    assert _merge(client, login_fast, advisor, survivor=again, merged=original).status_code == 303
    # Not proven anywhere: the old link's code would prove nothing, so it is not shown.
    assert "send this code" not in client.get(original_path).text
    assert "send this code" in client.get(again_path).text

    third, third_path = _send_whatsapp(client, "Third.")
    with Session(get_engine()) as db:
        row = db.get(Case, again.id)
        row.whatsapp_proven_at = now()
        db.add(row)
        db.commit()
    assert _merge(client, login_fast, advisor, survivor=third, merged=again).status_code == 303
    assert fresh(third.id).whatsapp_proven_at is not None  # the same number, proven before
    for path in (original_path, again_path, third_path):
        assert "is connected to this request" in client.get(path).text
