"""`make run` settings: no Redis, the in-process worker delivers to the mail sink."""

from __future__ import annotations

from sqlmodel import Session

from notify.outbox import queue_notification
from tests.notify.conftest import wait_for
from tests.notify.helpers import REFERENCE, STATUS_URL, fresh
from yhteys.db import get_engine


def test_the_embedded_default_writes_to_the_mail_sink_without_redis(client, settings, caplog):
    assert settings.redis_url == "" and settings.smtp_url == ""
    with Session(get_engine()) as session:
        row = queue_notification(
            session,
            event="case_received",
            channel="email",
            recipient="client@example.org",
            locale="sv",
            subject_key="case:1",
            context={"reference": REFERENCE}, sealed={"status_url": STATUS_URL},
        )
        session.commit()
        row_id = row.id

    files = wait_for(lambda: list(settings.mail_dir.glob("*.eml")))
    assert len(files) == 1
    from email import message_from_string
    from email.policy import default

    mail = message_from_string(files[0].read_text(), policy=default)
    assert mail["Subject"] == "Meddelande om din förfrågan"
    assert REFERENCE in mail.get_body(("plain",)).get_content()
    wait_for(lambda: fresh(row_id).state == "sent")
    # The log line names the row, not the person.
    assert not any("client@example.org" in r.getMessage() for r in caplog.records)


def test_whatsapp_and_sms_without_a_provider_go_to_the_sink_too(client, settings):
    with Session(get_engine()) as session:
        for channel in ("whatsapp", "sms"):
            queue_notification(
                session,
                event="advisor_replied",
                channel=channel,
                recipient="+358401234567",
                locale="fi",
                subject_key="message:7",
                context={"reference": REFERENCE}, sealed={"status_url": STATUS_URL},
            )
        session.commit()
    files = wait_for(lambda: sorted(settings.mail_dir.glob("*.txt")) if len(
        list(settings.mail_dir.glob("*.txt"))) == 2 else None)
    texts = [f.read_text() for f in files]
    assert all(STATUS_URL in t and REFERENCE in t for t in texts)
    assert not any("Punainen Risti" in t for t in texts)  # a lock screen shows the text
