"""Staff accounts: users, roles, teams, passwords, sessions, second factor, audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yhteys.registry import Config


def includeme(config: Config) -> None:
    from triage.accounts import totp

    config.add_resealer("two-step login seeds",
                        lambda session: {"resealed": totp.reseal_all(session)})
    config.add_catalog("accounts", [
        ("triage/accounts", [("**.py", "python")]),
        ("templates/triage/accounts", [("**.html", "jinja2")]),
    ], staff=True)
    config.add_migrations("accounts", "triage.accounts.models")
