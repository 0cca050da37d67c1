"""The public side's periodic jobs (run by every web process, see yhteys.periodic)."""

from __future__ import annotations

from yhteys.db import session_scope


def sweep_attachments() -> int:
    """Files whose row is gone (a transaction rolled back after writing them)."""
    from intake.attachments import sweep_orphans

    with session_scope() as session:
        return sweep_orphans(session)


def forget_held() -> int:
    """WhatsApp messages nobody chose a case for within the hour."""
    from intake.inbound import forget_held

    with session_scope() as session:
        return forget_held(session)
