"""No working status link rests in clear in the outbox: sealed while the row can be sent,
gone once it is done, and gone from rows written before the seal existed (the migration)."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from intake import service
from intake.references import status_url
from notify.delivery import deliver_row, forget_sealed
from notify.models import Notification
from notify.outbox import NotificationError, message_context, queue_notification
from notify.webhooks import handle_payload
from tests.notify.helpers import REFERENCE, STATUS_URL, fresh, queue
from yhteys.db import get_engine
from yhteys.migrate import alembic_config

SECRET = STATUS_URL.rsplit("/", 1)[1]


def _dump(session: Session) -> str:
    rows = session.execute(text("SELECT * FROM notification")).all()
    return json.dumps([list(map(str, r)) for r in rows])


def test_a_status_link_in_plain_context_is_refused(session, settings):
    with pytest.raises(NotificationError, match="sealed"):
        queue_notification(
            session, event="case_received", channel="email", recipient="a@example.org",
            locale="fi", subject_key="case:1",
            context={"reference": REFERENCE, "status_url": STATUS_URL},
        )


def test_the_link_is_sealed_while_pending_and_blanked_once_sent(session, settings):
    row = queue(session)
    assert SECRET not in _dump(session)
    assert message_context(fresh(row.id))["status_url"] == STATUS_URL
    assert deliver_row(row.id) == "sent"
    sent = fresh(row.id)
    assert sent.sealed == "" and sent.context == {"reference": REFERENCE}
    mail = email.message_from_bytes(
        next(settings.mail_dir.glob("*.eml")).read_bytes(), policy=email.policy.default
    )
    assert STATUS_URL in mail.get_body(("plain",)).get_content()  # rendered at sending time


def test_a_fallback_after_a_permanent_failure_carries_the_same_link(session, settings):
    row = queue(session, channel="sms", recipient="not-a-number",
                fallback=[("email", "b@example.org")])
    assert deliver_row(row.id) == "failed"
    assert fresh(row.id).sealed == ""
    with Session(get_engine()) as db:
        fallback = db.exec(select(Notification).where(Notification.channel == "email")).one()
    assert message_context(fallback)["status_url"] == STATUS_URL


def test_whatsapp_keeps_its_link_until_delivered_then_forgets(session, settings):
    row = queue(session, channel="whatsapp", recipient="+358401234567")
    assert deliver_row(row.id) == "sent"
    sent = fresh(row.id)
    assert sent.sealed  # "window closed" may still come back and need the template
    handle_payload(session, {"entry": [{"changes": [{"value": {"statuses": [
        {"id": sent.provider_id, "status": "delivered", "timestamp": "1800000000"}]}}]}]})
    session.commit()
    assert fresh(row.id).sealed == ""


def test_the_sweep_forgets_links_of_rows_finished_a_day_ago(session, settings, use_settings):
    from datetime import timedelta

    from yhteys.clock import now

    row = queue(session, channel="whatsapp", recipient="+358401234567")
    deliver_row(row.id)
    assert forget_sealed(session) == 0
    use_settings(frozen_now=now() + timedelta(hours=25))
    assert forget_sealed(session) == 1
    session.commit()
    assert fresh(row.id).sealed == ""


@pytest.mark.sqlite_only
def test_a_submitted_case_leaves_no_working_link_in_the_database(settings):
    from intake.openapi import EXAMPLES
    from intake.validation import validate

    submission = validate(EXAMPLES["tracing"], strict=True).submission
    outcome = service.submit(submission, idempotency_key="k" * 32, ui_locale="fi")
    secret = outcome.secret
    database = Path(settings.database_url.split("///", 1)[1])
    wal = database.with_name(database.name + "-wal")
    raw = database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert secret.encode() not in raw
    assert status_url(secret, "fi") not in raw.decode("latin-1")


@pytest.mark.sqlite_only
def test_the_migration_clears_links_kept_in_clear(tmp_path, settings):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "b6956e2db69b")  # the notify branch before the seal
    command.upgrade(config, "heads")
    command.downgrade(config, "notify@b6956e2db69b")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO notification (event, channel, recipient, locale, subject_key, reference,"
        " context, fallback, token, state, attempts, next_attempt_at, mode, provider_id,"
        " error_code, error_text, created_at, updated_at) VALUES (:event, 'email', :to, 'fi',"
        " :key, :ref, :context, '[]', :token, :state, 0, '2026-12-01', '', '', '', '',"
        " '2026-12-01', '2026-12-01')"
    )
    with engine.begin() as conn:
        for n, state in enumerate(("pending", "sent")):
            conn.execute(insert, {
                "event": "case_received", "to": f"c{n}@example.org", "key": f"case:{n}",
                "ref": REFERENCE, "token": f"t{n}", "state": state,
                "context": json.dumps({"reference": REFERENCE, "status_url": STATUS_URL}),
            })
    command.upgrade(config, "heads")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT state, context, sealed FROM notification ORDER BY id"))
        rows = rows.all()
        dump = str(conn.execute(text("SELECT * FROM notification")).all())
    engine.dispose()
    assert SECRET not in dump
    pending, sent = rows
    assert json.loads(pending.context) == {"reference": REFERENCE}
    assert pending.sealed.startswith("enc:") and sent.sealed == ""


def test_answers_to_numbers_without_a_case_forget_the_number_a_day_later(
    session, settings, use_settings
):
    from datetime import timedelta

    from notify.inbound import InboundMessage, reply
    from notify.models import WhatsAppWindow
    from yhteys.clock import now

    number = "+358409999999"
    session.add(WhatsAppWindow(number=number, last_inbound_at=now()))
    row = reply(session, InboundMessage("wamid.x", number, "hi", now()), "not_linked",
                locale="fi")
    session.commit()
    assert deliver_row(row.id) == "sent"
    forget_sealed(session)
    session.commit()
    assert fresh(row.id).recipient == number  # kept while a status may still come
    use_settings(frozen_now=now() + timedelta(hours=25))
    forget_sealed(session)
    session.commit()
    assert fresh(row.id).recipient == ""
