"""Subcommands of `yhteys` that belong to `triage`."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to the `yhteys` parser."""
    from triage.accounts import commands as accounts_commands
    from triage.casework import commands as casework_commands

    accounts_commands.register(sub)
    casework_commands.register(sub)
    from triage import retention

    retention.register(sub)
