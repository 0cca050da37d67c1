"""Tables of staff accounts: users, teams, server-side sessions, recovery codes, the audit trail.

Secrets at rest:
- passwords: Argon2id hashes (see `passwords.py`);
- session tokens and recovery codes: SHA-256 of a high-entropy random value, never the value;
- `totp_secret`: the base32 TOTP seed sealed with DATA_KEYS (`totp.seal_seed`, AES-256-GCM bound
  to the purpose "totp"), so a database dump or backup holds no usable seed; the keys live outside
  the database host. It is never logged, never shown again after enrolment, and wiped when an
  admin resets the second factor.

`audit_event` is append-only: the migration adds database triggers that refuse UPDATE and DELETE.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from yhteys.clock import now
from yhteys.db import empty_dict, empty_list
from yhteys.i18n import lazy_gettext

ROLES = ("advisor", "supervisor", "admin")
ROLE_NAMES = {
    "advisor": lazy_gettext("Advisor"),
    "supervisor": lazy_gettext("Supervisor"),
    "admin": lazy_gettext("Administrator"),
}


def _tz() -> DateTime:
    return DateTime(timezone=True)


class TeamMembership(SQLModel, table=True):
    __tablename__ = "staff_team_membership"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_team_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="staff_team.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")


class Team(SQLModel, table=True):
    __tablename__ = "staff_team"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    email: str = Field(default="", max_length=320)  # the team's queue address; optional
    auto_assign: bool = False
    created_at: datetime = Field(default_factory=now, sa_type=_tz())


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)  # always stored lowercased
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=256)  # "!..." until set through a link: none matches
    roles: str = Field(default="advisor", max_length=64)  # comma-separated, see has_role()
    languages: list[str] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # The staff language (fi, sv, en) her emails are written in; blank: the service's default.
    ui_language: str = Field(default="", max_length=8)
    is_active: bool = True
    must_change_password: bool = False  # an admin-set initial or reset password
    must_enrol_totp: bool = False  # the second factor was reset: enrol before anything else

    totp_secret: str | None = Field(default=None, max_length=200)  # sealed: "enc:..."
    totp_enabled: bool = False
    last_totp_step: int | None = None  # the last accepted TOTP time step: a code works once

    password_changed_at: datetime = Field(default_factory=now, sa_type=_tz())
    last_login_at: datetime | None = Field(default=None, sa_type=_tz())
    created_at: datetime = Field(default_factory=now, sa_type=_tz())

    # Loaded with the user, so `team_ids` works on a user detached from its session.
    teams: list["Team"] = Relationship(
        link_model=TeamMembership, sa_relationship_kwargs={"lazy": "selectin"}
    )

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in (self.roles or "").split(",") if r)

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of `roles`."""
        return bool(self.role_set.intersection(roles))

    def set_roles(self, roles: Collection[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        self.roles = ",".join(r for r in ROLES if r in set(roles))

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(t.id for t in self.teams if t.id is not None)

    @property
    def label(self) -> str:
        return self.display_name or self.email


class LoginLock(SQLModel, table=True):
    """Failed logins and locks of one account from one place (see login.py for the scopes).

    `scope` is "account" (every untrusted client of the account together), "client:<key>" (a
    keyed hash of the address, yhteys.client.client_key) or "device:<nonce>" (a device cookie).
    """

    __tablename__ = "staff_login_lock"
    __table_args__ = (UniqueConstraint("user_id", "scope", name="uq_login_lock_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    scope: str = Field(max_length=48)
    failures: int = 0  # since the last lock, success, or a day without failures
    lock_count: int = 0  # locks in a row; each one lasts twice as long, capped
    locked_until: datetime | None = Field(default=None, sa_type=_tz())
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())


class StaffSession(SQLModel, table=True):
    """A server-side login: the cookie holds a random token, the row its SHA-256 only."""

    __tablename__ = "staff_session"
    __table_args__ = (Index("ix_staff_session_user_active", "user_id", "revoked_at"),)

    id: str = Field(primary_key=True, max_length=64)  # sha256 hex of the cookie token
    user_id: int = Field(foreign_key="staff_user.id", ondelete="CASCADE")
    stage: str = Field(default="full", max_length=8)  # totp: password ok, second factor due
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    last_seen_at: datetime = Field(default_factory=now, sa_type=_tz())
    client_hash: str = Field(default="", max_length=24)  # yhteys.client.client_key
    user_agent: str = Field(default="", max_length=120)
    revoked_at: datetime | None = Field(default=None, sa_type=_tz())


class RoleGrant(SQLModel, table=True):
    """A role given to an account: requested by one administrator, approved by another.

    `requested_by` and `decided_by` are plain ids, like the audit trail's: the record outlives
    the accounts it names.
    """

    __tablename__ = "staff_role_grant"
    __table_args__ = (Index("ix_staff_role_grant_state", "state", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)
    state: str = Field(default="pending", max_length=16)  # pending|approved|rejected|cancelled
    requested_by: int
    requested_at: datetime = Field(default_factory=now, sa_type=_tz())
    decided_by: int | None = None
    decided_at: datetime | None = Field(default=None, sa_type=_tz())


class PasswordLink(SQLModel, table=True):
    """A single-use, short-lived link to set a password, mailed to the account's own address.

    Only the SHA-256 of the link's token is kept: the token itself exists in the (sealed) outbox
    row until it is sent, and in the person's mailbox.
    """

    __tablename__ = "staff_password_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=16)  # welcome | reset
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    expires_at: datetime = Field(sa_type=_tz())
    used_at: datetime | None = Field(default=None, sa_type=_tz())


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "staff_recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    used_at: datetime | None = Field(default=None, sa_type=_tz())


class AuditEvent(SQLModel, table=True):
    """Who did what, when, to which case. Append-only; `detail` carries no personal data.

    `actor_id` and `case_id` are plain integers on purpose: the trail must outlive the rows it
    speaks of, and a foreign key's ON DELETE would have to rewrite it.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_case_at", "case_id", "at"),
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_action_at", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now, sa_type=_tz(), index=True)
    actor_id: int | None = None
    action: str = Field(max_length=64)
    case_id: int | None = None
    detail: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    client_hash: str = Field(default="", max_length=24)
