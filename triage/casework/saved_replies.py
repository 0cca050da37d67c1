"""Saved replies: common answers per language, kept by supervisors, inserted into replies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlmodel import Session, col

from triage.casework.models import SavedReply
from yhteys.clock import now

TITLE_MAX = 120
BODY_MAX = 5000
TOPIC_MAX = 64


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


@dataclass(frozen=True)
class Choice:
    reply: SavedReply
    languages: tuple[str, ...]  # every language its topic exists in, this one included


@dataclass(frozen=True)
class Menu:
    """The saved replies of the case page: the client's language first and chosen."""

    language: str
    choices: list[Choice]

    @property
    def has_language(self) -> bool:
        return bool(self.choices) and self.choices[0].reply.language == self.language


def topic_of(reply: SavedReply) -> str:
    return reply.topic or f"#{reply.id}"


def choices(replies: list[SavedReply]) -> list[Choice]:
    """Each reply with every language its topic exists in (replies of one topic group)."""
    languages: dict[str, set[str]] = defaultdict(set)
    for reply in replies:
        languages[topic_of(reply)].add(reply.language)
    return [Choice(r, tuple(sorted(languages[topic_of(r)]))) for r in replies]


def menu(session: Session, language: str) -> Menu:
    return Menu(language, choices(for_language(session, language)))


def save(session: Session, *, reply_id: int | None, language: str, title: str, body: str,
         actor_id: int, topic: str | None = None) -> SavedReply:
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
    if topic is not None:
        reply.topic = " ".join(topic.split())[:TOPIC_MAX]
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
