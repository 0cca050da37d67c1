"""Tables owned by `intake`: the case and what the client adds to it.

The case row also carries the small workflow core that the public status page shows and the board
sorts on (state, priority, team, assignee, due time). `triage` writes those columns through its own
functions; its richer records (notes, audit, routing decisions) live in its own tables. Team and
staff ids are plain integers here because `intake` must not depend on `triage`'s tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel

from intake.lifecycle import INITIAL
from intake.lifecycle import STATES as STATES  # defined there, re-exported for the board
from yhteys.clock import now
from yhteys.db import empty_dict, empty_list

KINDS = ("family_reunification", "tracing", "social_services", "other")
PRIORITIES = ("urgent", "high", "normal")
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2}
CHANNELS = ("email", "phone", "sms", "whatsapp", "none")
OUTCOMES = (
    "advised",
    "referred_elsewhere",
    "person_found",
    "not_reachable",
    "out_of_scope",
    "duplicate",
)

# What the dashboard's figures read of a case (all but the area kept when a case is
# anonymised; the area is a municipality code, emptied then).
STATS_COLUMNS = [
    "id", "merged_into_id", "team_id", "kind", "language", "priority", "contact_channel",
    "state", "outcome", "assignee_id", "first_response_at", "first_response_business_minutes",
    "first_response_due_at", "resolution_due_at", "closed_at", "resolution_business_minutes",
    "area",
]


def _tz() -> DateTime:
    return DateTime(timezone=True)


class Case(SQLModel, table=True):
    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_board", "state", "priority_rank", "due_at"),
        Index("ix_case_team_board", "team_id", "state", "priority_rank", "due_at"),
        Index("ix_case_contact", "contact_address"),
        # The supervisors' figures (triage.dashboard.figures) read these narrow copies of the
        # columns they need: on PostgreSQL an index-only scan, not the wide rows with the texts.
        Index("ix_case_stats_arrived", "created_at", postgresql_include=STATS_COLUMNS),
        Index("ix_case_stats_open", "created_at", postgresql_include=STATS_COLUMNS,
              postgresql_where=text("state <> 'closed'"), sqlite_where=text("state <> 'closed'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=11, unique=True, index=True)
    kind: str = Field(max_length=32, index=True)
    source: str = Field(default="web", max_length=16)  # web | api | whatsapp

    # Who and how to reach them: the minimum, a nickname is enough.
    name: str = Field(default="", max_length=200)
    language: str = Field(max_length=8, index=True)  # preferred language of the client
    ui_locale: str = Field(max_length=8)  # language of the page they used
    contact_channel: str = Field(max_length=16)
    contact_address: str = Field(default="", max_length=320)
    may_leave_message: bool = False
    contact_windows: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=Column(JSON))
    backup_channel: str = Field(default="", max_length=16)
    backup_address: str = Field(default="", max_length=320)
    area: str = Field(default="", max_length=120)
    interpreter_needed: bool = False
    interpreter_language: str = Field(default="", max_length=8)
    message: str = Field(sa_column=Column(Text, nullable=False))
    details: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON))

    # A WhatsApp number proves nothing by itself: anyone can type anyone's number into a form.
    # Messages from it reach this case only once the person has sent, from that number, the code
    # shown on this case's own page (whatsapp_code_hash; see intake/inbound.py).
    whatsapp_code_hash: str = Field(default="", max_length=64)
    whatsapp_proven_at: datetime | None = Field(default=None, sa_type=_tz())

    # Secrets and de-duplication: the status secret is stored only as a SHA-256 hash.
    status_secret_hash: str = Field(max_length=64, unique=True)
    # The link is the whole credential, so it can end: by the client ("I lost my phone"), by
    # staff, or after STATUS_LINK_IDLE_DAYS unused (status_link_used_at, touched hourly at most).
    status_link_used_at: datetime | None = Field(default=None, sa_type=_tz())
    status_link_ended_at: datetime | None = Field(default=None, sa_type=_tz())
    status_link_ended_by: str = Field(default="", max_length=8)  # client | staff
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)
    fingerprint: str = Field(default="", max_length=64)

    # Workflow core, written by triage. The state changes only through intake.lifecycle.
    state: str = Field(default=INITIAL.value, max_length=24, index=True)
    priority: str = Field(default="normal", max_length=10)
    priority_rank: int = Field(default=2)
    priority_reason: str = Field(default="", max_length=500)
    team_id: int | None = Field(default=None, index=True)
    assignee_id: int | None = Field(default=None, index=True)
    due_at: datetime | None = Field(default=None, sa_type=_tz())
    first_response_due_at: datetime | None = Field(default=None, sa_type=_tz())
    resolution_due_at: datetime | None = Field(default=None, sa_type=_tz())
    # The first reply or logged call to the client (intake.lifecycle.record_first_response),
    # and the business minutes from arrival to it on the SLA clock (set by triage).
    first_response_at: datetime | None = Field(default=None, sa_type=_tz())
    first_response_business_minutes: int | None = None
    # Business minutes on the SLA clock from arrival to closing (set by triage when the case
    # closes, cleared when it is reopened): the dashboard's resolution time.
    resolution_business_minutes: int | None = None
    client_replied: bool = False  # a client message the advisor has not seen yet
    outcome: str = Field(default="", max_length=32)
    # Merged into another case (triage.casework.merge): everything moved there, and this case's
    # status link opens that one. A plain integer like the team ids: no cascade can reach it.
    merged_into_id: int | None = Field(default=None, index=True)
    version: int = Field(default=1)  # optimistic concurrency for staff edits

    created_at: datetime = Field(default_factory=now, sa_type=_tz(), index=True)
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())
    closed_at: datetime | None = Field(default=None, sa_type=_tz())
    waiting_since: datetime | None = Field(default=None, sa_type=_tz())  # while waiting_client
    reopened_at: datetime | None = Field(default=None, sa_type=_tz())  # the last reopening
    anonymised_at: datetime | None = Field(default=None, sa_type=_tz())


class CaseMessage(SQLModel, table=True):
    """The conversation the client sees on the status page (internal notes live in triage)."""

    __tablename__ = "case_message"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    author: str = Field(max_length=8)  # client | staff
    staff_user_id: int | None = None
    channel: str = Field(default="web", max_length=16)  # web | api | whatsapp
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_type=_tz())


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="case_message.id", ondelete="SET NULL")
    storage_key: str = Field(max_length=80, unique=True)
    filename: str = Field(max_length=200)  # cleaned original name, shown to staff only
    content_type: str = Field(max_length=64)  # from the content, never from the name
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=now, sa_type=_tz())


class Consent(SQLModel, table=True):
    """One consent given, with the privacy-notice version that was shown."""

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=32)  # process | search | share_contact | whatsapp_answers
    notice_version: str = Field(max_length=32)
    given_at: datetime = Field(default_factory=now, sa_type=_tz())


class WhatsAppThread(SQLModel, table=True):
    """Per WhatsApp number: which proven case its messages go to now, and a message held while
    the person chooses between several. Keyed by a keyed hash, not the number; the held text is
    sealed and kept an hour at most."""

    __tablename__ = "whatsapp_thread"

    number_key: str = Field(primary_key=True, max_length=64)
    case_id: int | None = Field(default=None, foreign_key="case.id", ondelete="SET NULL")
    chosen_at: datetime | None = Field(default=None, sa_type=_tz())
    held: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    held_at: datetime | None = Field(default=None, sa_type=_tz())
    replied_at: datetime | None = Field(default=None, sa_type=_tz())  # last "not linked" answer


class ApiKey(SQLModel, table=True):
    """A partner service's key to the JSON API (see `intake.partners`).

    The key is `yk_<key_id>_<secret>`: `key_id` is public (shown to administrators, written in
    the audit trail); of the secret only its SHA-256 is kept: it has 256 bits of entropy, so a
    fast hash is enough and the key is shown once, at creation. `created_by` and `revoked_by`
    are staff ids, plain integers because `intake` must not depend on `triage`'s tables.
    """

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    key_id: str = Field(max_length=16, unique=True, index=True)
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=120)  # the partner, as administrators call it
    scopes: list[str] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    rate_limit: int = Field(default=100)  # requests per RATE_LIMIT_WINDOW
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    created_by: int | None = None
    last_used_at: datetime | None = Field(default=None, sa_type=_tz())
    revoked_at: datetime | None = Field(default=None, sa_type=_tz())
    revoked_by: int | None = None


class WhatsAppMedia(SQLModel, table=True):
    """A file a client sent on WhatsApp, to be fetched from the provider and checked like any
    upload (intake.media). The provider's media id rests sealed and only until the file is
    fetched or given up; `state` and `reason` leave the line staff read on the case."""

    __tablename__ = "whatsapp_media"
    __table_args__ = (Index("ix_whatsapp_media_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    message_id: int = Field(foreign_key="case_message.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)  # voice | audio | image | document | video | sticker
    sealed: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # pending -> fetching -> done | refused (the file) | failed (the fetch) | not_kept
    state: str = Field(default="pending", max_length=16)
    reason: str = Field(default="", max_length=32)  # an attachments.MESSAGES code, or ours
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now, sa_type=_tz())
    lease_until: datetime | None = Field(default=None, sa_type=_tz())
    attachment_id: int | None = Field(default=None, foreign_key="attachment.id",
                                      ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())


# --- The way back to a case (intake/reopen.py) ---------------------------------------------------


class CaseAccess(SQLModel, table=True):
    """How the client chose to find her way back: no links in messages, and an optional PIN
    (Argon2id hash only). One row per case that chose either."""

    __tablename__ = "case_access"

    case_id: int = Field(foreign_key="case.id", primary_key=True, ondelete="CASCADE")
    no_links: bool = False
    pin_hash: str = Field(default="", max_length=200)


class OpenLink(SQLModel, table=True):
    """A single-use link that opens a case (sent in a notice, or asked for with the reference and
    the contact address). Only the SHA-256 of its secret is kept; it opens once, before it
    expires."""

    __tablename__ = "open_link"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=16)  # notice | asked
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    expires_at: datetime = Field(sa_type=_tz(), index=True)
    used_at: datetime | None = Field(default=None, sa_type=_tz())


class StatusKey(SQLModel, table=True):
    """A fresh status secret issued when a single-use link or the PIN opened the case: it lives in
    a browser-session cookie and works like the status link until it expires or the case's links
    are ended. Only its SHA-256 is kept."""

    __tablename__ = "status_key"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    expires_at: datetime = Field(sa_type=_tz(), index=True)


class PinBackoff(SQLModel, table=True):
    """Wrong PINs per reference, keyed by a keyed hash of the reference typed, whether or not a
    case has it: the delay grows the same way for a reference that does not exist."""

    __tablename__ = "pin_backoff"

    reference_key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    next_try_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_at: datetime = Field(default_factory=now, sa_type=_tz(), index=True)


class WhatsAppConversation(SQLModel, table=True):
    """A request being asked for on WhatsApp (intake.conversation): only what is needed to go
    on, sealed (yhteys.crypto), keyed by a keyed hash of the number. Gone when the case is made,
    when she stops, or when it was left (WHATSAPP_CONVERSATION_HOURS): then only a count stays."""

    __tablename__ = "whatsapp_conversation"

    number_key: str = Field(primary_key=True, max_length=64)
    state: str = Field(sa_column=Column(Text, nullable=False))  # sealed JSON
    started_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_at: datetime = Field(default_factory=now, sa_type=_tz(), index=True)


class ConversationCount(SQLModel, table=True):
    """How many WhatsApp conversations ended which way: all that is kept of the unfinished."""

    __tablename__ = "whatsapp_conversation_count"

    outcome: str = Field(primary_key=True, max_length=16)  # started | finished | stopped | expired
    count: int = 0


class CaseTranscript(SQLModel, table=True):
    """The guided conversation that made a case, as the person saw it, for the advisor."""

    __tablename__ = "case_transcript"

    case_id: int = Field(primary_key=True, foreign_key="case.id", ondelete="CASCADE")
    channel: str = Field(default="whatsapp", max_length=16)
    lines: list[list[str]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False))
