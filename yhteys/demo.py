"""Demo data for `make run`: development only, idempotent (a second run adds nothing)."""

from __future__ import annotations

import logging

from yhteys.settings import get_settings

log = logging.getLogger(__name__)


def seed_all() -> None:
    if get_settings().is_production:
        raise RuntimeError("demo data is never seeded in production")
    # Order matters: staff and teams first, then cases that are routed to them.
    from intake import demo as intake_demo
    from triage import demo as triage_demo
    from triage import hooks

    hooks.register()

    triage_demo.seed_staff()
    intake_demo.seed_cases()
    triage_demo.seed_after_cases()
    from intake.hours import demo as hours_demo

    hours_demo.seed()
