"""The outbox: rows in the caller's transaction, duplicates stopped by the database."""

from __future__ import annotations

import pytest
from sqlmodel import select

from notify.models import Notification
from notify.outbox import (
    NotificationError,
    notifications_for,
    queue_notification,
    queue_notification_id,
    stale_count,
)


def _queue(session, **overrides):
    values = {
        "event": "case_received",
        "channel": "email",
        "recipient": "client@Example.ORG",
        "locale": "fi",
        "subject_key": "case:1",
        "context": {"reference": "K7M-4QX-P9T", "status_url": "http://testserver/fi/s/abc"},
    }
    values.update(overrides)
    return queue_notification(session, **values)


def test_a_row_is_written_in_the_callers_transaction_and_not_committed(session, settings):
    row = _queue(session)
    assert row is not None and row.id is not None
    assert row.state == "pending"
    assert row.reference == "K7M-4QX-P9T"
    assert row.recipient == "client@example.org"
    session.rollback()
    assert session.exec(select(Notification)).all() == []


def test_the_plain_row_by_id_is_the_same_row_and_stops_duplicates_too(session, settings):
    values = {"event": "case_received", "channel": "email", "recipient": "client@Example.ORG",
              "locale": "fi", "subject_key": "case:7",
              "context": {"reference": "K7M-4QX-P9T", "status_url": "http://testserver/fi/s/abc"}}
    row_id = queue_notification_id(session, **values)
    assert row_id is not None
    assert queue_notification_id(session, **values) is None
    row = session.get(Notification, row_id)
    assert row is not None
    made = _queue(session, subject_key="case:8")
    assert made is not None
    # Every column as the ORM path writes it, but the row's own id, token and times.
    own = {"id", "token", "subject_key", "next_attempt_at", "enqueued_at", "created_at",
           "updated_at"}
    columns = [c.key for c in Notification.__table__.columns if c.key not in own]  # type: ignore[attr-defined]
    assert {c: getattr(row, c) for c in columns} == {c: getattr(made, c) for c in columns}
    assert row.token and row.token != made.token and row.enqueued_at is not None
    session.rollback()


def test_a_duplicate_returns_none_and_keeps_the_transaction_usable(session, settings):
    first = _queue(session)
    assert _queue(session, locale="sv") is None
    other = _queue(session, subject_key="case:2")
    session.commit()
    rows = session.exec(select(Notification)).all()
    assert {r.id for r in rows} == {first.id, other.id}


def test_a_duplicate_across_transactions_is_stopped_too(session, settings):
    _queue(session)
    session.commit()
    assert _queue(session) is None
    session.commit()
    assert len(session.exec(select(Notification)).all()) == 1


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        ({"reference": "K7M-4QX-P9T", "status_url": "http://testserver/x", "message": "secret"},
         r"may carry only .* not \['message'\]"),
        ({"reference": "K7M-4QX-P9T"}, r"lacks \['status_url'\]"),
        ({"reference": "Ali Hassan, Kabul", "status_url": "http://testserver/x"},
         "not a case reference"),
        ({"reference": "K7M-4QX-P9T", "status_url": "http://elsewhere.example/x"},
         "under BASE_URL"),
        ({"reference": "K7M-4QX-P9T", "staff_url": "http://testserver/triage/cases/K7M-4QX-P9T"},
         r"not \['staff_url'\]"),
    ],
)
def test_context_carries_only_a_reference_and_a_link(session, settings, context, reason):
    with pytest.raises(NotificationError, match=reason):
        _queue(session, context=context)
    assert session.exec(select(Notification)).all() == []


def test_staff_events_carry_a_staff_link(session, settings):
    context = {"reference": "K7M-4QX-P9T", "staff_url": "http://testserver/triage/cases/K7M-4QX-P9T"}
    _queue(session, event="staff_new_case", recipient="team@rc.example", context=context)
    session.commit()
    row = session.exec(select(Notification)).one()
    assert (row.event, row.recipient, row.reference) == ("staff_new_case", "team@rc.example",
                                                         "K7M-4QX-P9T")
    assert row.context == context and row.sealed == ""  # a staff link opens nothing by itself
    with pytest.raises(NotificationError, match="under BASE_URL"):
        _queue(session, event="staff_new_case", subject_key="case:2",
               context={**context, "staff_url": "http://elsewhere.example/triage/cases/K7M"})
    with pytest.raises(NotificationError, match="lacks"):
        _queue(session, event="staff_new_case", subject_key="case:3",
               context={"reference": "K7M-4QX-P9T"})
    with pytest.raises(NotificationError):
        _queue(session, event="staff_new_case", context={**context, "status_url": "x"})
    with pytest.raises(NotificationError, match="by email"):
        _queue(session, event="staff_new_case", channel="sms", recipient="+358401234567",
               context=context)


def test_unknown_event_and_channel_are_refused(session, settings):
    with pytest.raises(NotificationError):
        _queue(session, event="case_deleted")
    with pytest.raises(NotificationError):
        _queue(session, channel="console")


def test_notifications_for_a_case_and_stale_count(session, settings, use_settings):
    _queue(session)
    _queue(session, channel="sms", recipient="+358 40 123 4567")
    _queue(session, subject_key="case:9", context={"reference": "AAA-BBB-CCC",
                                                    "status_url": "http://testserver/fi/s/x"})
    session.commit()
    rows = notifications_for(session, "K7M-4QX-P9T")
    assert [r.channel for r in rows] == ["email", "sms"]
    assert rows[1].recipient == "+358401234567"

    assert stale_count(session) == 0
    use_settings(outbox_alert_minutes=-1)  # everything unsent is now "too old"
    assert stale_count(session) == 3


def test_email_domains_are_stored_in_one_spelling(session, settings):
    idn = _queue(session, recipient=" Asiakas@Hämeenlinna.FI ")
    assert idn.recipient == "Asiakas@xn--hmeenlinna-q5a.fi"
    assert _queue(session, recipient="Asiakas@hämeenlinna.fi") is None


def test_a_set_password_link_in_plain_context_is_refused(session, settings):
    context = {"staff_url": "http://testserver/triage/set-password?token=s3cr3t"}
    with pytest.raises(NotificationError, match="sealed"):
        _queue(session, event="staff_password_reset", recipient="aino@rc.example",
               context=context)
