"""Background housekeeping: jobs run on their interval and a failing job stops nothing."""

import threading

from yhteys import periodic


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


def test_the_default_jobs_run_the_sla_check_and_the_attachment_sweep(settings):
    jobs = {job.name: job for job in periodic.default_jobs()}
    assert set(jobs) == {"sla-check", "attachment-sweep", "retention", "outbox-secrets",
                         "whatsapp-held"}
    assert all(job.every >= 60 for job in jobs.values())  # never a busy loop at boot
    assert jobs["sla-check"].run() == 0  # an empty database has nothing to escalate
    assert jobs["attachment-sweep"].run() == 0
    assert jobs["retention"].run() == 0  # nothing closed, nothing to anonymise
    assert jobs["outbox-secrets"].run() == 0  # no outbox row holds a secret
    assert jobs["whatsapp-held"].run() == 0  # no message waits for a choice
