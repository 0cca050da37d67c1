"""Housekeeping that every `yhteys serve` process runs in the background.

SLA escalations and the sweep of orphaned attachment files. Each job is safe to run in several
processes at once (escalations are claimed once per case and target in the database; a file
deleted twice is simply gone), so no leader election is needed behind a load balancer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every: float  # seconds; the first run is one interval after start, never at boot
    run: Callable[[], object]


def _sla_check() -> object:
    from triage.casework.commands import run_once

    return run_once()


def _sweep_attachments() -> object:
    from intake.attachments import sweep_orphans
    from yhteys.db import session_scope

    with session_scope() as session:
        return sweep_orphans(session)


def _retention() -> object:
    from triage.retention import run_once

    return run_once()


def _forget_sealed() -> object:
    from notify.delivery import forget_sealed
    from yhteys.db import session_scope

    with session_scope() as session:
        return forget_sealed(session)


def _forget_held() -> object:
    from intake.inbound import forget_held
    from yhteys.db import session_scope

    with session_scope() as session:
        return forget_held(session)


def default_jobs() -> list[Job]:
    return [
        Job("whatsapp-held", 900, _forget_held),
        Job("outbox-secrets", 3600, _forget_sealed),
        Job("sla-check", 300, _sla_check),
        Job("attachment-sweep", 6 * 3600, _sweep_attachments),
        Job("retention", 3600, _retention),
    ]


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
