"""The supervisors' dashboard: response times, compliance, backlog and demand for a period."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yhteys.registry import Config


def includeme(config: Config) -> None:
    config.add_catalog("dashboard", [
        ("triage/dashboard", [("**.py", "python")]),
        ("templates/triage/dashboard", [("**.html", "jinja2")]),
    ], staff=True)
    config.add_migrations("dashboard", "triage.dashboard.models")
    config.add_job("dashboard-rollup", 60, _recount)


def _recount() -> int:
    """Store the tallies of past days that are missing or changed (triage.dashboard.rollup)."""
    from triage.dashboard import rollup

    return rollup.run(seconds=20)
