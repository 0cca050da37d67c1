"""Email through a real SMTP server (aiosmtpd), sent by a Dramatiq worker on real Redis."""

from __future__ import annotations

import pytest

from notify.delivery import deliver_row
from notify.messages import render
from notify.outbox import notifications_for
from tests.notify.conftest import wait_for
from tests.notify.helpers import REFERENCE, STATUS_URL, fresh, queue

pytestmark = pytest.mark.redis

MARKER = "UNIQUE-CASE-TEXT-7f3a9c"  # what the client wrote: it must never reach a notification


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("fi", "Viesti yhteydenotostasi"),  # a lock screen shows it: no name, no reference
        ("sv", "Meddelande om din förfrågan"),
    ],
)
def test_case_received_sends_one_acknowledgement_in_the_clients_language(
    session, redis_worker, smtp_server, locale, subject
):
    settings = redis_worker(smtp_url=smtp_server.url, mail_from="Punainen Risti <apu@rc.example>")
    row = queue(session, locale=locale)

    wait_for(lambda: fresh(row.id).state == "sent")
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["Subject"] == subject
    assert mail["To"] == "client@example.org"
    assert mail["From"] == settings.mail_from
    assert mail["Content-Language"] == locale
    assert mail["Message-ID"].endswith("@rc.example>")
    expected = render("case_received", locale, {"reference": REFERENCE, "status_url": STATUS_URL})
    # SMTP carries CRLF line ends; the content is compared line by line.
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content().replace("\r\n", "\n")
    # The body is exactly the template with the reference and the link — nothing else can be in it.
    assert text == expected.text
    assert html.strip() == expected.html.strip()
    assert REFERENCE in text and STATUS_URL in text
    assert f'href="{STATUS_URL}"' in html
    assert MARKER not in mail.as_string()
    for word in ("asylum", "undocumented", "paperiton", "turvapaikka", "papperslös", "asyl"):
        assert word not in mail["Subject"].lower()


def test_smtp_451_is_retried_and_delivered_once_with_the_same_message_id(
    session, redis_worker, smtp_server
):
    redis_worker(smtp_url=smtp_server.url)
    smtp_server.handler.data_script = ["451 4.7.1 Greylisted, try again"]
    row = queue(session)

    wait_for(lambda: fresh(row.id).state == "sent")
    assert len(smtp_server.messages) == 1
    assert len(smtp_server.handler.attempts) == 2
    first, second = smtp_server.handler.attempts
    assert first["Message-ID"] == second["Message-ID"]
    done = fresh(row.id)
    assert done.attempts == 2
    assert done.error_code == ""


def test_smtp_550_fails_at_once_with_the_reason(session, redis_worker, smtp_server):
    redis_worker(smtp_url=smtp_server.url)
    smtp_server.handler.rcpt_script = ["550 5.1.1 <client@example.org>: no such user"]
    row = queue(session, fallback=[("sms", "+358401234567")])

    wait_for(lambda: fresh(row.id).state == "failed")
    failed = fresh(row.id)
    assert failed.attempts == 1
    assert failed.error_code == "smtp_550"
    assert "refused the address" in failed.error_text
    assert "client@example.org" not in failed.error_text  # the provider's text is not kept
    assert smtp_server.messages == []
    # The person gave another way to reach them: the same notice goes there.
    [backup] = [r for r in notifications_for(session, REFERENCE) if r.channel == "sms"]
    assert backup.recipient == "+358401234567"


def test_an_unreachable_server_is_retried_until_dead(session, use_settings):
    from tests.notify.conftest import free_port

    use_settings(smtp_url=f"smtp://127.0.0.1:{free_port()}", outbox_max_attempts=2)
    row = queue(session)

    assert deliver_row(row.id) == "pending"
    assert fresh(row.id).error_code == "smtp_network"
    wait_for(lambda: deliver_row(row.id) is not None)  # due after the (short) backoff
    dead = fresh(row.id)
    assert dead.state == "dead"
    assert dead.attempts == 2
    assert dead.error_code == "smtp_network"


def test_a_redelivered_message_never_sends_twice(session, use_settings, smtp_server):
    use_settings(smtp_url=smtp_server.url)
    row = queue(session)

    assert deliver_row(row.id) == "sent"
    assert deliver_row(row.id) is None  # Dramatiq delivered it again: the row says it is done
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize(
    ("channel", "recipient"),
    [("email", ""), ("email", "not-an-address"), ("email", "a@b.example\r\nBcc: x@y.example"),
     ("email", "pätkä@example.org"), ("sms", "040 123"), ("whatsapp", "+0123")],
)
def test_an_invalid_address_fails_without_a_send(session, use_settings, smtp_server, channel,
                                                 recipient):
    use_settings(smtp_url=smtp_server.url)
    row = queue(session, channel=channel, recipient=recipient)

    assert deliver_row(row.id) == "failed"
    assert fresh(row.id).error_code == "invalid_address"
    assert smtp_server.handler.attempts == []
