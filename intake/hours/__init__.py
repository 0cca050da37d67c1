"""The chat advice for undocumented people: opening hours as data, the public box, the feed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yhteys.registry import Config


def includeme(config: Config) -> None:
    """The opening hours: their pages come with intake's public routes (the staff editor,
    triage/hours_admin.py, speaks casework's staff domain)."""
    from intake.hours import demo

    config.add_demo(40, "opening hours", demo.seed)
    config.add_catalog("hours", [
        ("intake/hours", [("**.py", "python")]),
        ("templates/hours", [("**.html", "jinja2"), ("**.txt", "jinja2")]),
    ])
    config.add_migrations("hours", "intake.hours.models")
