"""Retention: a closed case loses its personal data RETENTION_DAYS after closing, once."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from sqlmodel import Session

from intake.attachments import inspect
from intake.models import Attachment, Case, CaseMessage, Consent
from intake.storage import storage
from notify.models import Notification
from notify.outbox import forget_recipient
from tests.triage.casework_factories import fresh as fresh_case
from triage.accounts.models import AuditEvent
from triage.casework.models import CaseNote, PersonKey
from triage.retention import anonymise_due
from yhteys.clock import now
from yhteys.db import get_engine

ADDRESS = "selam@example.org"
BACKUP = "+358401234567"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def submit_case(**answers):  # noqa: ANN003, ANN201
    from intake.service import submit
    from intake.validation import validate

    payload = {
        "kind": "tracing", "language": "fi", "name": "Selam Tesfaye",
        "contact_channel": "email", "contact_address": ADDRESS,
        "backup_channel": "sms", "backup_address": BACKUP,
        "area": "Helsinki",
        "message": "Etsin veljeäni Abrahamia.",
        "consents": {"process": True, "search": True},
        "details": {"persons": [{"name": "Abraham Tesfaye", "birth_date": "1990-04-02",
                                 "relationship": "sibling", "last_place": "Tripoli, Libya"}]},
    }
    payload.update(answers)
    result = validate(payload)
    assert result.ok, result.errors.messages()
    files = [inspect("kuva.png", _png())]
    return submit(result.submission, idempotency_key=secrets.token_urlsafe(24), ui_locale="fi",
                  files=files)


def _close(case_id: int, closed_at) -> None:  # noqa: ANN001
    with Session(get_engine()) as db:
        case = db.get(Case, case_id)
        case.state, case.outcome, case.closed_at = "closed", "advised", closed_at
        db.add(case)
        db.commit()


def _with_casework(case_id: int) -> None:
    """A client message with a photo, a staff reply, a staff note, the acknowledgement sent."""
    from intake.service import add_client_message

    add_client_message(case_id, "Hänellä on arpi kädessä.", files=[inspect("b.png", _png())])
    with Session(get_engine()) as db:
        db.add(CaseMessage(case_id=case_id, author="staff", body="Soitan huomenna."))
        db.add(CaseNote(case_id=case_id, body="Asiakas asuu Kalliossa ystävän luona."))
        db.add(PersonKey(case_id=case_id, key="k" * 64))
        for row in db.scalars(select(Notification)):
            row.state = "sent"
            db.add(row)
        db.commit()


def test_a_case_past_retention_loses_its_personal_data_and_its_status_link(settings, client):
    old = submit_case()
    _with_casework(old.case.id)
    recent = submit_case(name="Dawit")
    long_ago = now() - timedelta(days=settings.retention_days + 1)
    _close(old.case.id, long_ago)
    _close(recent.case.id, now() - timedelta(days=settings.retention_days - 1))
    with Session(get_engine()) as db:
        keys = list(db.scalars(select(Attachment.storage_key).where(
            Attachment.case_id == old.case.id)))
    assert len(keys) == 2 and all(storage().path(k).exists() for k in keys)
    assert client.get(f"/fi/status/{old.secret}").status_code == 404  # past retention already

    with Session(get_engine()) as db:
        assert anonymise_due(db) == 1
        # Files stay until the commit: a rollback would bring the rows back.
        assert all(storage().path(k).exists() for k in keys)
        db.commit()

    assert not any(storage().path(k).exists() for k in keys)
    with Session(get_engine()) as db:
        case = db.get(Case, old.case.id)
        assert case.anonymised_at is not None
        assert (case.name, case.contact_address, case.backup_address, case.area) == ("",) * 4
        assert case.contact_windows == [] and case.details == {}
        assert "Abraham" not in case.message and "Etsin" not in case.message
        assert case.fingerprint == ""
        # What statistics and the trail need stays.
        assert (case.kind, case.language, case.state, case.outcome) == (
            "tracing", "fi", "closed", "advised")
        assert case.reference == old.reference and case.closed_at is not None
        bodies = list(db.scalars(select(CaseMessage.body).where(
            CaseMessage.case_id == case.id)))
        assert bodies == ["", ""]
        assert list(db.scalars(select(CaseNote.body).where(CaseNote.case_id == case.id))) == [""]
        assert db.scalars(select(Attachment).where(Attachment.case_id == case.id)).all() == []
        assert db.scalars(select(PersonKey).where(PersonKey.case_id == case.id)).all() == []
        assert db.scalars(select(Consent).where(Consent.case_id == case.id)).all()
        rows = db.scalars(select(Notification).where(
            Notification.reference == old.reference)).all()
        assert rows and all(r.recipient == "" and r.fallback == [] for r in rows)
        audit = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "case.anonymise")).all()
        assert [(a.case_id, a.actor_id) for a in audit] == [(case.id, None)]

        untouched = db.get(Case, recent.case.id)
        assert untouched.anonymised_at is None and untouched.name == "Dawit"
        assert untouched.contact_address == ADDRESS
        assert db.scalars(select(Attachment).where(
            Attachment.case_id == untouched.id)).all()

    assert client.get(f"/fi/status/{old.secret}").status_code == 404
    assert client.get(f"/fi/status/{recent.secret}").status_code == 200

    with Session(get_engine()) as db:
        assert anonymise_due(db) == 0  # a second run finds nothing
        db.commit()


def test_the_status_link_of_an_anonymised_case_ends_even_within_retention(settings, client):
    from intake.retention import anonymise_case

    outcome = submit_case()
    assert client.get(f"/fi/status/{outcome.secret}").status_code == 200
    with Session(get_engine()) as db:
        anonymise_case(db, db.get(Case, outcome.case.id))
        db.commit()
    assert client.get(f"/fi/status/{outcome.secret}").status_code == 404


def test_a_rolled_back_anonymisation_keeps_the_files(settings):
    outcome = submit_case()
    _close(outcome.case.id, now() - timedelta(days=settings.retention_days + 1))
    with Session(get_engine()) as db:
        keys = list(db.scalars(select(Attachment.storage_key)))
        assert anonymise_due(db) == 1
        db.rollback()
    assert keys and all(storage().path(k).exists() for k in keys)
    with Session(get_engine()) as db:
        assert db.get(Case, outcome.case.id).anonymised_at is None


def test_unsent_notifications_keep_their_address(settings):
    outcome = submit_case()
    with Session(get_engine()) as db:
        assert forget_recipient(db, outcome.reference) == 0  # the acknowledgement is pending
        db.commit()
        row = db.scalars(select(Notification).where(
            Notification.reference == outcome.reference)).one()
        assert row.recipient == ADDRESS


@pytest.mark.parametrize(("days", "due"), [(0, 1), (30, 1), (32, 0)])
def test_retention_follows_the_setting(settings, use_settings, days, due):
    outcome = submit_case()
    _close(outcome.case.id, now() - timedelta(days=31))
    use_settings(retention_days=days)
    with Session(get_engine()) as db:
        assert anonymise_due(db) == due
        db.commit()
    assert (fresh_case(outcome.case.id).anonymised_at is not None) == bool(due)


def test_the_anonymise_command_prints_the_count(settings, capsys):
    from yhteys.cli import main

    outcome = submit_case()
    _close(outcome.case.id, now() - timedelta(days=settings.retention_days + 5))
    assert main(["anonymise"]) == 0
    assert "1 closed cases anonymised" in capsys.readouterr().out


def test_triage_forgets_the_area_it_routed_on_reasons_and_person_keys(settings, make_team):
    from triage import hooks
    from triage.casework import history
    from triage.casework.models import CaseEvent, RoutingRule

    hooks.register()
    team = make_team("Helsinki north")
    with Session(get_engine()) as db:
        db.add(RoutingRule(area="091", team_id=team.id))
        db.commit()
    outcome = submit_case()
    with Session(get_engine()) as db:
        case = db.get(Case, outcome.case.id)
        assert case.team_id == team.id
        history.add(db, case, "priority", None,
                    {"priority": "urgent", "source": "staff", "reason": "Raskaana, ei kotia"})
        db.commit()
        assert db.scalars(select(PersonKey).where(PersonKey.case_id == case.id)).all()
    _close(outcome.case.id, now() - timedelta(days=settings.retention_days + 1))

    with Session(get_engine()) as db:
        assert anonymise_due(db) == 1
        db.commit()

    with Session(get_engine()) as db:
        events = db.scalars(select(CaseEvent).where(CaseEvent.case_id == outcome.case.id)).all()
        routed = [e for e in events if e.action == "routed"]
        assert routed and all("area" not in e.data.get("matched", {}) for e in routed)
        assert [e.data["reason"] for e in events if e.action == "priority" and
                e.data.get("source") == "staff"] == [""]
        text = repr([e.data for e in events])
        assert "'091'" not in text and "Raskaana" not in text
        assert db.scalars(select(PersonKey).where(
            PersonKey.case_id == outcome.case.id)).all() == []
        assert db.get(Case, outcome.case.id).team_id == team.id  # statistics keep the team
