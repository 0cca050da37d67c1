"""Demo teams, staff accounts, routing rules and chat hours."""

from __future__ import annotations


def seed_staff() -> None:
    """Teams and staff accounts (passwords printed; development only)."""
    from triage.accounts import demo as accounts_demo

    accounts_demo.print_accounts(accounts_demo.seed())


def seed_after_cases() -> None:
    """Route and work some of the demo cases so the board looks alive."""
    from triage.casework import demo as casework_demo

    casework_demo.seed()
