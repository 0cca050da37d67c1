"""Working cases: routing, urgency, SLA clock, board, case view, replies, saved replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yhteys.registry import Config


def includeme(config: Config) -> None:
    config.add_catalog("casework", [
        ("triage", [("accounts/**", "ignore"), ("dashboard/**", "ignore"), ("**.py", "python")]),
        ("templates/triage", [("accounts/**", "ignore"), ("dashboard/**", "ignore"),
                          ("**.html", "jinja2")]),
    ], staff=True)
    config.add_migrations("casework", "triage.casework.models")
