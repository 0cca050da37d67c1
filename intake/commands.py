"""Subcommands of `yhteys` that belong to `intake`: `rotate-keys` for the attachment files."""

from __future__ import annotations

import argparse


def _rotate_keys(args: argparse.Namespace) -> int:
    from intake.attachments import reseal_all
    from yhteys.db import session_scope
    from yhteys.logs import configure_logging
    from yhteys.settings import get_settings

    configure_logging(get_settings().log_level)
    with session_scope() as session:
        counts = reseal_all(session)
    # Counts only: no file names, keys or case references.
    print(
        f"attachments: {counts.resealed} resealed, {counts.current} already current, "
        f"{counts.missing} missing, {counts.failed} could not be opened"
    )
    return 1 if counts.failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to the `yhteys` parser."""
    sub.add_parser(
        "rotate-keys",
        help="seal every attachment file with the first DATA_KEYS key (after a new key is put "
        "first; also seals files stored before encryption at rest)",
    ).set_defaults(func=_rotate_keys)
