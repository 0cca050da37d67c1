"""The staff side: board, case view, routing, urgency, SLA clock, supervision, audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yhteys.registry import Config


def includeme(config: Config) -> None:
    """What the staff side adds to the product (see yhteys.registry)."""
    from triage import commands, demo, hooks, jobs
    from triage.routes import routes

    config.add_routes(routes, under="/triage")
    config.subscribe(hooks.register)  # routing, urgency, SLA and audit of public-side events
    config.add_job("sla-check", 300, jobs.sla_check)
    config.add_job("retention", 3600, jobs.retention)
    config.add_commands(commands.register)
    config.add_demo(10, "staff and teams", demo.seed_staff)
    config.add_demo(30, "casework on the demo cases", demo.seed_after_cases)
    config.include("triage.accounts")
    config.include("triage.casework")
    config.include("triage.dashboard")
