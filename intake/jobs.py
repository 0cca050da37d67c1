"""The public side's periodic jobs (run by every web process, see yhteys.periodic)."""

from __future__ import annotations

from sqlmodel import Session, select

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


def forget_conversations() -> int:
    """WhatsApp conversations left unfinished too long: only their count stays."""
    from intake.whatsapp_intake import forget_left

    with session_scope() as session:
        return forget_left(session)


def fetch_whatsapp_media() -> int:
    """Files clients sent on WhatsApp: fetched, checked and stored on their case."""
    from intake.media import fetch_due

    return fetch_due()


def reseal_attachments(session: Session) -> dict[str, int]:
    from dataclasses import asdict

    from intake.attachments import reseal_all

    return asdict(reseal_all(session))


def reseal_held(session: Session) -> dict[str, int]:
    """WhatsApp messages waiting for a choice (an hour at most): sealed again, or dropped."""
    from intake.inbound import HELD_PURPOSE
    from intake.models import WhatsAppThread
    from yhteys import crypto

    counts = {"resealed": 0, "failed": 0}
    for thread in session.exec(select(WhatsAppThread).where(WhatsAppThread.held != "")):
        if not crypto.text_needs_reseal(thread.held):
            continue
        try:
            thread.held = crypto.seal_text(crypto.open_text(thread.held, HELD_PURPOSE),
                                           HELD_PURPOSE)
            counts["resealed"] += 1
        except crypto.CryptoError:
            thread.held, thread.held_at = "", None
            counts["failed"] += 1
        session.add(thread)
    return counts


def forget_spent_links() -> int:
    """Long-expired single-use links, old status keys and idle PIN backoff rows."""
    from intake.reopen import forget_spent

    with session_scope() as session:
        return forget_spent(session)
