"""Demo teams, staff accounts, routing rules and chat hours."""

from __future__ import annotations


def seed_staff() -> None:
    """Teams, staff accounts (passwords printed; development only), rules, hours."""


def seed_after_cases() -> None:
    """Route and work some of the demo cases so the board looks alive."""
