"""Saved replies: common answers per language, kept by supervisors, inserted into replies."""

from __future__ import annotations

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlmodel import Session, col

from triage.casework.models import SavedReply
from yhteys.clock import now

TITLE_MAX = 120
BODY_MAX = 5000


class ReplyError(ValueError):
    """A saved reply that cannot be stored; the code names the field."""


def all_replies(session: Session) -> list[SavedReply]:
    return list(session.scalars(select(SavedReply).order_by(SavedReply.language,
                                                            SavedReply.title)))


def for_language(session: Session, language: str) -> list[SavedReply]:
    """The client's language first, then every other: an advisor may need any of them."""
    first = sql_case((col(SavedReply.language) == language, 0), else_=1)
    query = select(SavedReply).order_by(first, SavedReply.language, SavedReply.title)
    return list(session.scalars(query))


def save(session: Session, *, reply_id: int | None, language: str, title: str, body: str,
         actor_id: int) -> SavedReply:
    from yhteys.i18n import INTERPRETER_LANGUAGES

    if language not in INTERPRETER_LANGUAGES:
        raise ReplyError("language")
    title, body = title.strip(), body.strip()
    if not title or len(title) > TITLE_MAX:
        raise ReplyError("title")
    if not body or len(body) > BODY_MAX:
        raise ReplyError("body")
    reply = session.get(SavedReply, reply_id) if reply_id else None
    if reply_id and reply is None:
        raise ReplyError("missing")
    reply = reply or SavedReply(language=language, title=title, body=body)
    reply.language, reply.title, reply.body = language, title, body
    reply.updated_at, reply.updated_by = now(), actor_id
    session.add(reply)
    session.flush()
    return reply


def delete(session: Session, reply_id: int) -> bool:
    reply = session.get(SavedReply, reply_id)
    if reply is None:
        return False
    session.delete(reply)
    return True


def insert_into(draft: str, reply: SavedReply) -> str:
    """The draft with the saved text added at its end (a blank line between)."""
    draft = draft.rstrip()
    return f"{draft}\n\n{reply.body}" if draft else reply.body
