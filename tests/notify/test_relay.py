"""The relay and the claim: leases, dead rows, hand-over after commit, alerts for supervisors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from notify import broker, delivery
from notify.models import Notification
from notify.relay import Relay
from tests.notify.helpers import fresh, queue
from yhteys.db import get_engine


def _queue_depth() -> int:
    import notify.tasks  # noqa: F401

    stub = broker.current()
    return stub.queues[broker.QUEUE].qsize()  # type: ignore[attr-defined]


def test_rows_are_handed_to_the_broker_only_after_commit(session, settings):
    from notify.outbox import queue_notification

    before = _queue_depth()
    row = queue_notification(
        session, event="case_received", channel="email", recipient="a@example.org",
        locale="fi", subject_key="case:1",
        context={"reference": "AAA-BBB-CCC", "status_url": "http://testserver/fi/s/1"},
    )
    assert row is not None
    assert _queue_depth() == before
    session.commit()
    assert _queue_depth() == before + 1


def test_a_savepoint_does_not_hand_over_before_the_real_commit(session, settings):
    from notify.outbox import queue_notification

    before = _queue_depth()
    context = {"reference": "AAA-BBB-CCC", "status_url": "http://testserver/fi/s/1"}
    queue_notification(session, event="case_received", channel="email",
                       recipient="a@example.org", locale="fi", subject_key="case:1",
                       context=context)
    with session.begin_nested():
        queue_notification(session, event="advisor_replied", channel="email",
                           recipient="a@example.org", locale="fi", subject_key="message:1",
                           context=context)
    assert _queue_depth() == before
    try:
        with session.begin_nested():
            queue_notification(session, event="advisor_replied", channel="email",
                               recipient="a@example.org", locale="fi", subject_key="message:2",
                               context=context)
            raise RuntimeError("the caller gives up on this part")
    except RuntimeError:
        pass
    session.commit()
    assert _queue_depth() == before + 3  # the rolled-back one is handed over and not found
    assert len(session.exec(select(Notification)).all()) == 2


def test_rolled_back_rows_are_never_handed_over(session, settings):
    from notify.outbox import queue_notification

    before = _queue_depth()
    queue_notification(
        session, event="case_received", channel="email", recipient="a@example.org",
        locale="fi", subject_key="case:1",
        context={"reference": "AAA-BBB-CCC", "status_url": "http://testserver/fi/s/1"},
    )
    session.rollback()
    session.commit()
    assert _queue_depth() == before


def test_a_fresh_row_is_left_to_the_broker_for_the_grace_period(session, settings):
    row = queue(session)
    handed = fresh(row.id).enqueued_at
    assert handed is not None  # at commit
    assert Relay(grace=60).sweep() == 0
    assert Relay(grace=0).sweep() == 1
    assert fresh(row.id).enqueued_at >= handed
    assert Relay(grace=60).sweep() == 0  # handed over just now


def test_the_relay_adds_no_copy_of_a_row_waiting_in_the_in_process_queue(session, settings):
    import dramatiq

    row = queue(session)
    depth = _queue_depth()
    for _ in range(3):  # a surge the in-process worker is behind on: the grace passes again
        assert Relay(grace=0).sweep() == 1
    assert _queue_depth() == depth
    stub = broker.current()
    worker = dramatiq.Worker(stub, queues={broker.QUEUE}, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        stub.join(broker.QUEUE, timeout=10_000)  # type: ignore[attr-defined]
    finally:
        worker.stop()
    assert fresh(row.id).state == "sent"
    assert _queue_depth() == 0
    # Once its message has run, the row is no longer waiting: should it be due again (a
    # restart's lost queue looks the same to the relay), it is handed over again.
    session.execute(update(Notification).where(Notification.id == row.id)
                    .values(state="pending", enqueued_at=None))
    session.commit()
    assert Relay(grace=0).sweep() == 1
    assert _queue_depth() == 1


def test_past_the_in_process_queue_limit_rows_wait_in_the_database(
        session, settings, monkeypatch):
    import dramatiq

    monkeypatch.setattr(broker, "EMBEDDED_QUEUE_LIMIT", _queue_depth() + 2)
    rows = [queue(session, reference=f"AAA-BBB-CC{n}") for n in range(3)]
    assert _queue_depth() == broker.EMBEDDED_QUEUE_LIMIT  # the third waits as a pending row
    stub = broker.current()
    worker = dramatiq.Worker(stub, queues={broker.QUEUE}, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        stub.join(broker.QUEUE, timeout=10_000)  # type: ignore[attr-defined]
        assert [fresh(row.id).state for row in rows] == ["sent", "sent", "pending"]
        assert Relay(grace=0).sweep() == 1  # the queue has room again
        stub.join(broker.QUEUE, timeout=10_000)  # type: ignore[attr-defined]
    finally:
        worker.stop()
    assert [fresh(row.id).state for row in rows] == ["sent", "sent", "sent"]


def test_a_row_that_is_not_due_is_not_claimed(session, settings):
    row = queue(session)
    session.execute(
        update(Notification).where(Notification.id == row.id)
        .values(next_attempt_at=datetime.now(UTC) + timedelta(minutes=5))
    )
    session.commit()
    with Session(get_engine()) as db:
        assert delivery.claim(db, row.id) is None
    assert Relay(grace=0).sweep() == 0


def test_an_expired_lease_is_handed_over_again_and_claimed_by_the_next_worker(session, settings):
    row = queue(session)
    with Session(get_engine(), expire_on_commit=False) as db:
        first = delivery.claim(db, row.id, lease=0.05)
        assert first is not None and first.attempts == 1
        assert delivery.claim(db, row.id) is None  # still held by the first claim
    import time

    time.sleep(0.1)
    assert Relay(grace=0).sweep() == 1
    assert delivery.deliver_row(row.id) == "sent"
    done = fresh(row.id)
    assert done.attempts == 2
    # The first worker, back from the dead, cannot overwrite the newer result.
    with Session(get_engine()) as db:
        from notify.channels.base import Transient

        assert delivery.record(db, first, Transient("smtp_451", "late")) is None
    assert fresh(row.id).state == "sent"


def test_interrupted_sends_end_as_dead_after_the_last_attempt(session, use_settings):
    use_settings(outbox_max_attempts=1)
    row = queue(session)
    with Session(get_engine()) as db:
        assert delivery.claim(db, row.id, lease=0.01) is not None
    import time

    time.sleep(0.05)
    Relay(grace=0).sweep()
    dead = fresh(row.id)
    assert dead.state == "dead"
    assert dead.error_code == "interrupted"


@pytest.mark.postgres
def test_relays_on_postgresql_share_rows_without_doubles(session, settings):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is a PostgreSQL feature; SQLite runs one relay")
    ids = {queue(session, subject_key=f"case:{n}").id for n in range(4)}
    with Session(get_engine()) as a, Session(get_engine()) as b:
        taken_a = delivery.due_ids(a, grace=0, limit=2)  # holds its row locks (no commit yet)
        taken_b = delivery.due_ids(b, grace=0, limit=10)
        a.commit()
        b.commit()
    assert len(taken_a) == 2
    assert set(taken_a).isdisjoint(taken_b)
    assert set(taken_a) | set(taken_b) == ids


def _alerts(db: Session) -> list[Notification]:
    query = select(Notification).where(Notification.event == "staff_outbox_alert")
    return list(db.exec(query))


def test_stale_rows_alert_supervisors_once_an_hour(session, use_settings):
    at = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    use_settings(frozen_now=at, staff_mail_to="valvojat@rc.example", outbox_alert_minutes=30)
    queue(session)
    relay = Relay(grace=0)
    assert relay.check() == 0  # not old enough yet

    use_settings(frozen_now=at + timedelta(minutes=31), staff_mail_to="valvojat@rc.example")
    assert relay.check() == 1
    assert relay.check() >= 1
    with Session(get_engine()) as db:
        [alert] = _alerts(db)
    assert alert.recipient == "valvojat@rc.example"
    assert alert.context == {"staff_url": "http://testserver/triage/"}
    assert alert.reference == ""

    use_settings(frozen_now=at + timedelta(minutes=91), staff_mail_to="valvojat@rc.example")
    relay.check()
    with Session(get_engine()) as db:
        assert len(_alerts(db)) == 2


def test_without_a_staff_address_the_alert_is_a_log_line(session, use_settings, caplog):
    use_settings(outbox_alert_minutes=-1)
    queue(session)
    assert Relay().check() == 1
    with Session(get_engine()) as db:
        assert _alerts(db) == []
    assert any("unsent for more than" in r.getMessage() for r in caplog.records)
