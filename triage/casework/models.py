"""Tables of casework: routing rules, case history, notes, duplicates, SLA clock, configuration.

The case row itself belongs to `intake` (with the workflow core columns casework writes); what
casework knows beyond that lives here. Staff and team ids are plain integers, like on the case
row, so a removed account never takes a case's history with it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from yhteys.clock import now
from yhteys.db import empty_dict


def _tz() -> DateTime:
    return DateTime(timezone=True)


class RoutingRule(SQLModel, table=True):
    """kind, language, area → team; blank means any. All three blank: the default rule."""

    __tablename__ = "routing_rule"
    __table_args__ = (UniqueConstraint("kind", "language", "area", name="uq_routing_rule_match"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="", max_length=32)
    language: str = Field(default="", max_length=8)
    area: str = Field(default="", max_length=120)  # stored normalised (see routing.normalise_area)
    team_id: int = Field(foreign_key="staff_team.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_by: int | None = None


class CaseEvent(SQLModel, table=True):
    """One thing that happened to a case, with what is needed to say why (the history)."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_case", "case_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", ondelete="CASCADE")
    at: datetime = Field(default_factory=now, sa_type=_tz())
    actor_id: int | None = None  # a staff user; None is the system (routing, SLA clock)
    action: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))


class CaseNote(SQLModel, table=True):
    """An internal note: staff only, never on the client's status page."""

    __tablename__ = "case_note"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    author_id: int | None = None
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_type=_tz())


class DuplicateLink(SQLModel, table=True):
    """Two cases that look like the same need: suggested by the system, decided by staff.

    One row per pair, the older case first. `status`: suggested | linked | dismissed.
    """

    __tablename__ = "duplicate_link"
    __table_args__ = (UniqueConstraint("case_id", "other_case_id", name="uq_duplicate_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    other_case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    reason: str = Field(max_length=32)  # contact | sought_person | staff
    status: str = Field(default="suggested", max_length=16)
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    decided_at: datetime | None = Field(default=None, sa_type=_tz())
    decided_by: int | None = None


class PersonKey(SQLModel, table=True):
    """A keyed hash of a sought person's normalised name and birth year, to spot duplicates.

    A hash, not the name: finding "the same person in another case" needs equality only, and the
    table then adds no readable personal data. Deleted with the case; cleared on anonymisation.
    """

    __tablename__ = "person_key"
    __table_args__ = (Index("ix_person_key_key", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=64)


class SlaTarget(SQLModel, table=True):
    """Business minutes to the first response and to resolution, per priority."""

    __tablename__ = "sla_target"

    priority: str = Field(primary_key=True, max_length=10)
    first_response_minutes: int
    resolution_minutes: int
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_by: int | None = None


class CalendarClosure(SQLModel, table=True):
    """A date the service is closed beyond weekends and public holidays (set by a supervisor)."""

    __tablename__ = "calendar_closure"

    day: date = Field(primary_key=True)
    note: str = Field(default="", max_length=200)
    created_by: int | None = None


class CaseClock(SQLModel, table=True):
    """The SLA clock of a case: business time used so far, and whether it is running.

    `elapsed` is business seconds counted up to `running_since`; a stopped clock (waiting for the
    client, closed) has `running_since` None. Due times follow from elapsed and the targets, so a
    paused case resumes with exactly the business time it had left.
    """

    __tablename__ = "case_clock"

    case_id: int = Field(primary_key=True, foreign_key="case.id", ondelete="CASCADE")
    elapsed: int = 0
    running_since: datetime | None = Field(default=None, sa_type=_tz())
    stopped_at: datetime | None = Field(default=None, sa_type=_tz())


class SlaBreach(SQLModel, table=True):
    """A missed target, recorded once per case and target (the unique key makes it exactly once)."""

    __tablename__ = "sla_breach"
    __table_args__ = (UniqueConstraint("case_id", "target", name="uq_sla_breach_target"),
                      # The dashboard's list of a period's breaches, newest first.
                      Index("ix_sla_breach_detected", "detected_at", "id"))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    target: str = Field(max_length=16)  # first_response | resolution
    due_at: datetime = Field(sa_type=_tz())
    detected_at: datetime = Field(default_factory=now, sa_type=_tz())


class CaseworkSetting(SQLModel, table=True):
    """Whole-number settings supervisors edit (the reunification deadline thresholds)."""

    __tablename__ = "casework_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: int
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_by: int | None = None


class SavedReply(SQLModel, table=True):
    """A common answer in one language, insertable into a reply."""

    __tablename__ = "saved_reply"
    __table_args__ = (Index("ix_saved_reply_language", "language", "title"),)

    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=8)
    # The same answer in several languages shares a topic; blank: a reply of its own.
    topic: str = Field(default="", max_length=64, index=True)
    title: str = Field(max_length=120)
    body: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_by: int | None = None


class LanguageGap(SQLModel, table=True):
    """A case nobody in its team speaks the client's language for: it needs an interpreter, or a
    speaker from elsewhere. The row goes when a speaker takes the case."""

    __tablename__ = "language_gap"

    case_id: int = Field(primary_key=True, foreign_key="case.id", ondelete="CASCADE")
    language: str = Field(max_length=8)
    team_id: int | None = None  # plain id: the record outlives a team's deletion
    created_at: datetime = Field(default_factory=now, sa_type=_tz())


class LanguagePoolMember(SQLModel, table=True):
    """Someone a supervisor named for a language: a staff member of any team (offered first on
    the case page when the case's team has no speaker) or an interpreter on call (listed with how
    to book them; not an account, so a case is never given to one).

    One of `user_id` and `interpreter_name` is set. A removed account takes its rows with it; a
    disabled one keeps them but is offered to nobody.
    """

    __tablename__ = "language_pool_member"
    __table_args__ = (UniqueConstraint("language", "user_id", name="uq_language_pool_user"),)

    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=8, index=True)
    user_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True,
                                ondelete="CASCADE")
    interpreter_name: str = Field(default="", max_length=120)
    interpreter_contact: str = Field(default="", max_length=200)  # how staff book them
    added_at: datetime = Field(default_factory=now, sa_type=_tz())
    added_by: int | None = None


class CaseSearch(SQLModel, table=True):
    """What staff find a case by, normalised (triage.casework.search): the names the client gave
    (hers, and those of the people she seeks, with their original script and other spellings),
    her phone numbers in E.164, her email addresses, and the reference without dashes.

    As plain as the case row it is made from, and no more: rebuilt from it, deleted with it and
    on anonymisation. On PostgreSQL each column has a trigram index (pg_trgm), so a part of a
    name, number or reference is found without reading every case.
    """

    __tablename__ = "case_search"
    # PostgreSQL only (the migration makes them there): SQLite searches the table row by row.
    __table_args__ = tuple(
        Index(f"ix_case_search_{column}_trgm", column, postgresql_using="gin",
              postgresql_ops={column: "gin_trgm_ops"}, info={"postgresql_only": True})
        .ddl_if(dialect="postgresql")
        for column in ("names", "contacts", "reference")
    )

    case_id: int = Field(foreign_key="case.id", primary_key=True, ondelete="CASCADE")
    names: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    contacts: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    reference: str = Field(default="", max_length=16)


__all__ = [
    "CalendarClosure",
    "CaseSearch",
    "CaseClock",
    "CaseEvent",
    "CaseNote",
    "CaseworkSetting",
    "DuplicateLink",
    "LanguageGap",
    "LanguagePoolMember",
    "PersonKey",
    "RoutingRule",
    "SavedReply",
    "SlaBreach",
    "SlaTarget",
]
