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
