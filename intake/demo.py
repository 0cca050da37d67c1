"""A few hundred demo cases in several languages."""

from __future__ import annotations


def seed_cases() -> None:
    """Create demo cases unless they exist."""
