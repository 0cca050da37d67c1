"""Triage's reactions to public-side events, subscribed by the composition root."""

from __future__ import annotations


def register() -> None:
    """Subscribe triage's handlers to `intake.events` (routing, urgency, SLA, client replies)."""
