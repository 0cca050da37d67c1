"""Subcommands of `yhteys` that belong to `triage`."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to the `yhteys` parser."""
