"""Background housekeeping: jobs run on their interval, a failing job stops nothing, and each
default job finds and does its own work (and leaves alone what is not yet due)."""

import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from intake.models import Attachment, Case, WhatsAppThread
from intake.storage import LocalStorage, storage
from notify.models import Notification
from tests.triage.casework_factories import fresh, make_case
from triage.casework.models import SlaBreach
from yhteys import periodic
from yhteys.clock import HELSINKI, now
from yhteys.db import get_engine


def test_jobs_run_on_their_interval_and_failures_do_not_stop_others():
    ran = threading.Event()
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("boom")

    def fine() -> int:
        calls.append("fine")
        ran.set()
        return 1

    worker = periodic.start([periodic.Job("broken", 0, broken), periodic.Job("fine", 0, fine)])
    try:
        assert ran.wait(5), "the second job never ran"
    finally:
        periodic.stop()
    assert not worker.is_alive()
    assert calls[:2] == ["broken", "fine"]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def _advice_team_with_a_supervisor() -> str:
    """A team every case routes to, and its supervisor's address (where escalations go)."""
    from triage.accounts.users import create_team, create_user
    from triage.casework.models import RoutingRule

    with Session(get_engine(), expire_on_commit=False) as db:
        team = create_team(db, name="Advice")
        db.add(RoutingRule(team_id=team.id))
        boss = create_user(db, email="boss@example.org", password="correct horse battery staple",
                           roles=["supervisor"], display_name="Boss", team_ids=[team.id])
        db.commit()
        return boss.email


def _close(case_id: int, closed_at: datetime) -> None:
    with Session(get_engine()) as db:
        case = db.get(Case, case_id)
        case.state, case.outcome, case.closed_at = "closed", "advised", closed_at
        db.add(case)
        db.commit()


def _aged(path: Path, days: float) -> None:
    old = path.stat().st_mtime - days * 24 * 3600
    os.utime(path, (old, old))


def test_each_default_job_does_its_work_and_only_that(settings, use_settings):
    jobs = {job.name: job for job in periodic.default_jobs()}
    assert set(jobs) == {"sla-check", "attachment-sweep", "retention", "outbox-secrets",
                         "whatsapp-held", "whatsapp-media", "open-links",
                         "whatsapp-conversations", "dashboard-rollup", "return-freed-memory"}
    assert all(job.every >= 60 for job in jobs.values())  # never a busy loop at boot

    boss = _advice_team_with_a_supervisor()
    use_settings(frozen_now=at(2026, 11, 30, 10))  # a Monday: urgent = 4 business hours
    overdue = make_case(kind="social_services", details={"in_danger": True})
    long_closed, lately_closed = make_case(), make_case()
    use_settings(frozen_now=at(2026, 11, 30, 15))
    in_time = make_case(kind="social_services", details={"in_danger": True})  # due tomorrow
    _close(long_closed.id, now() - timedelta(days=settings.retention_days + 1))
    _close(lately_closed.id, now() - timedelta(days=settings.retention_days - 1))

    orphan, young = storage().save(b"left by a crash"), storage().save(b"being committed")
    kept_file = storage().save(b"a photo")
    local = LocalStorage(settings.upload_dir)
    _aged(local.path(orphan), 2)
    _aged(local.path(kept_file), 2)

    with Session(get_engine()) as db:
        finished = Notification(event="client_update", channel="whatsapp", recipient="+35840",
                                locale="fi", subject_key="a", sealed="s1", state="sent",
                                updated_at=now() - timedelta(hours=25))
        recent = Notification(event="client_update", channel="whatsapp", recipient="+35840",
                              locale="fi", subject_key="b", sealed="s2", state="sent",
                              updated_at=now() - timedelta(hours=1))
        db.add_all([finished, recent,
                    Attachment(case_id=in_time.id, storage_key=kept_file, filename="a.png",
                               content_type="image/png", size=7, sha256="0" * 64),
                    WhatsAppThread(number_key="a" * 64, held="h1",
                                   held_at=now() - timedelta(minutes=61)),
                    WhatsAppThread(number_key="b" * 64, held="h2",
                                   held_at=now() - timedelta(minutes=5))])
        db.commit()
        finished_id, recent_id = finished.id, recent.id

    assert jobs["sla-check"].run() == 1
    with Session(get_engine()) as db:
        breaches = db.exec(select(SlaBreach)).all()
        assert [(b.case_id, b.target) for b in breaches] == [(overdue.id, "first_response")]
        escalations = db.exec(select(Notification).where(
            Notification.event == "staff_breach_digest")).all()
        assert [(n.context["references"], n.recipient) for n in escalations] == [
            (overdue.reference, boss)]
    assert jobs["sla-check"].run() == 0  # escalated once

    assert jobs["attachment-sweep"].run() == 1
    assert not local.path(orphan).exists()
    assert local.path(young).exists()  # its transaction may still be open
    assert local.open(kept_file) == b"a photo"  # a row points to it

    assert jobs["retention"].run() == 1
    gone, kept = fresh(long_closed.id), fresh(lately_closed.id)
    assert gone.anonymised_at is not None and gone.name == "" and gone.contact_address == ""
    assert kept.anonymised_at is None and kept.name == lately_closed.name
    assert jobs["retention"].run() == 0

    assert jobs["outbox-secrets"].run() == 1
    with Session(get_engine()) as db:
        assert db.get(Notification, finished_id).sealed == ""
        assert db.get(Notification, recent_id).sealed == "s2"

    assert jobs["whatsapp-held"].run() == 1
    with Session(get_engine()) as db:
        held = {t.number_key[0]: (t.held, t.held_at) for t in db.exec(select(WhatsAppThread))}
    assert held["a"] == ("", None)
    assert held["b"][0] == "h2"

    # A WhatsApp file due is taken up (this one lost its media id: given up with its line);
    # one waiting for its next try is left alone.
    from intake.models import CaseMessage, WhatsAppMedia

    with Session(get_engine()) as db:
        message = CaseMessage(case_id=in_time.id, author="client", body="…", channel="whatsapp")
        db.add(message)
        db.flush()
        db.add(WhatsAppMedia(case_id=in_time.id, message_id=message.id, kind="voice"))
        db.add(WhatsAppMedia(case_id=in_time.id, message_id=message.id, kind="image",
                             next_attempt_at=now() + timedelta(minutes=5)))
        db.commit()
    assert jobs["whatsapp-media"].run() == 1
    with Session(get_engine()) as db:
        states = [(m.kind, m.state) for m in db.exec(select(WhatsAppMedia)
                                                     .order_by(WhatsAppMedia.id))]
    assert states == [("voice", "failed"), ("image", "pending")]

    # A WhatsApp conversation left longer than WHATSAPP_CONVERSATION_HOURS goes; a fresh one
    # stays.
    from intake.models import WhatsAppConversation

    with Session(get_engine()) as db:
        db.add_all([WhatsAppConversation(number_key="l" * 64, state="x",
                                         updated_at=now() - timedelta(hours=25)),
                    WhatsAppConversation(number_key="f" * 64, state="y",
                                         updated_at=now() - timedelta(hours=1))])
        db.commit()
    assert jobs["whatsapp-conversations"].run() == 1
    with Session(get_engine()) as db:
        assert [c.number_key[0] for c in db.exec(select(WhatsAppConversation))] == ["f"]

    from intake.models import OpenLink, PinBackoff

    with Session(get_engine()) as db:
        db.add_all([
            OpenLink(case_id=in_time.id, token_hash="a" * 64, purpose="notice",
                     expires_at=now() - timedelta(days=31)),
            OpenLink(case_id=in_time.id, token_hash="b" * 64, purpose="notice",
                     expires_at=now() + timedelta(days=1)),
            PinBackoff(reference_key="c" * 64, failures=4, next_try_at=now(),
                       updated_at=now() - timedelta(days=2)),
        ])
        db.commit()
    assert jobs["open-links"].run() == 2
    with Session(get_engine()) as db:
        assert [link.token_hash[0] for link in db.exec(select(OpenLink))] == ["b"]
        assert db.exec(select(PinBackoff)).all() == []

    # Today is counted on the spot; once it is past, its tally is stored, and only once.
    from triage.dashboard.models import DashboardDay

    assert jobs["dashboard-rollup"].run() == 0
    use_settings(frozen_now=at(2026, 12, 1, 10))
    assert jobs["dashboard-rollup"].run() == 1
    with Session(get_engine()) as db:
        assert [d.day.isoformat() for d in db.exec(select(DashboardDay))] == ["2026-11-30"]
    assert jobs["dashboard-rollup"].run() == 0
