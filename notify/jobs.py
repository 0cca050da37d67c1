"""Notify's periodic jobs (run by every web process, see yhteys.periodic)."""

from __future__ import annotations

from yhteys.db import session_scope


def forget_sealed() -> int:
    """Secrets of outbox rows finished more than a day ago."""
    from notify.delivery import forget_sealed

    with session_scope() as session:
        return forget_sealed(session)
