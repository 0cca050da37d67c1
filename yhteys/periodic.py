"""Housekeeping that every `yhteys serve` process runs in the background.

The jobs are the packages' own (SLA escalations, the sweep of orphaned attachment files,
retention, forgetting outbox secrets and held WhatsApp messages). Each job is safe to run in
several processes at once (escalations are claimed once per case and target in the database; a file
deleted twice is simply gone), so no leader election is needed behind a load balancer.
"""

from __future__ import annotations

import logging
import threading
import time

from yhteys.registry import Job

log = logging.getLogger(__name__)


def default_jobs() -> list[Job]:
    """Every package's periodic jobs, as each declared them (yhteys.registry)."""
    from yhteys.registry import registry

    return list(registry().jobs)


class Housekeeping(threading.Thread):
    def __init__(self, jobs: list[Job]) -> None:
        super().__init__(name="yhteys-housekeeping", daemon=True)
        self.jobs = jobs
        self._stop_event = threading.Event()

    def run(self) -> None:
        due = {job.name: time.monotonic() + job.every for job in self.jobs}
        while not self._stop_event.wait(1.0):
            for job in self.jobs:
                if time.monotonic() >= due[job.name]:
                    due[job.name] = time.monotonic() + job.every
                    self._run(job)

    def _run(self, job: Job) -> None:
        try:
            result = job.run()
            log.info("housekeeping %s: %s", job.name, result)
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
            # The exception type only: messages can carry personal data.
            log.error("housekeeping %s failed: %s", job.name, type(exc).__name__)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


_current: Housekeeping | None = None


def start(jobs: list[Job] | None = None) -> Housekeeping:
    global _current
    stop()
    _current = Housekeeping(default_jobs() if jobs is None else jobs)
    _current.start()
    return _current


def stop() -> None:
    global _current
    if _current is not None:
        _current.stop()
        _current = None
