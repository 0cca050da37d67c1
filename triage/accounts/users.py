"""Staff accounts and teams: the functions views, the CLI, the demo and tests share."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable

from sqlmodel import Session, col, delete, select

from triage.accounts.models import ROLES, RecoveryCode, StaffUser, Team, TeamMembership
from triage.accounts.passwords import UNUSABLE_PREFIX, hash_password
from yhteys.clock import now
from yhteys.db import pk
from yhteys.templating import visible_controls


class AccountError(ValueError):
    """A request to create or change an account that cannot be done (message is for people)."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def valid_email(email: str) -> bool:
    return bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)) and len(email) <= 320


def by_email(db: Session, email: str) -> StaffUser | None:
    return db.exec(select(StaffUser).where(StaffUser.email == normalise_email(email))).first()


def create_user(
    db: Session,
    *,
    email: str,
    password: str,
    roles: Iterable[str] = ("advisor",),
    display_name: str = "",
    languages: Iterable[str] = (),
    team_ids: Iterable[int] = (),
    must_change_password: bool = False,
) -> StaffUser:
    email = normalise_email(email)
    if not valid_email(email):
        raise AccountError("not an email address")
    if by_email(db, email) is not None:
        raise AccountError("an account with this email exists")
    user = StaffUser(
        email=email,
        display_name=clean_name(display_name),
        # No password: none works until she sets one through a link.
        password_hash=hash_password(password) if password else _unusable(),
        languages=list(dict.fromkeys(languages)),
        must_change_password=must_change_password,
    )
    user.set_roles(list(roles))
    db.add(user)
    db.flush()
    set_teams(db, user, team_ids)
    return user


def clean_name(name: str) -> str:
    """A display name with bidi and zero-width controls made visible: it cannot reorder a page."""
    return visible_controls(name.strip())[:120]


def set_teams(db: Session, user: StaffUser, team_ids: Iterable[int]) -> None:
    wanted = set(team_ids)
    db.exec(delete(TeamMembership).where(col(TeamMembership.user_id) == user.id))
    for team_id in sorted(wanted):
        db.add(TeamMembership(team_id=team_id, user_id=pk(user)))
    db.flush()
    db.refresh(user, ["teams"])


def set_password(db: Session, user: StaffUser, password: str, *, must_change: bool = False) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = now()
    user.must_change_password = must_change
    db.add(user)


def _unusable() -> str:
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def disable_password(db: Session, user: StaffUser) -> None:
    """No password works until she sets one through a link (passwords.UNUSABLE_PREFIX)."""
    user.password_hash = _unusable()
    user.password_changed_at = now()
    user.must_change_password = False
    db.add(user)


def reset_second_factor(db: Session, user: StaffUser) -> None:
    """The seed and recovery codes go; she enrols again at her next login, in any environment."""
    user.totp_secret = None
    user.totp_enabled = False
    user.last_totp_step = None
    user.must_enrol_totp = True
    db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    db.add(user)


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64] or "team"


def create_team(
    db: Session, *, name: str, slug: str | None = None, email: str = "", auto_assign: bool = False
) -> Team:
    name = name.strip()
    if not name:
        raise AccountError("a team needs a name")
    slug = slugify(slug or name)
    if db.exec(select(Team).where((Team.slug == slug) | (Team.name == name))).first():
        raise AccountError("a team with this name exists")
    team = Team(name=name[:120], slug=slug, email=normalise_email(email), auto_assign=auto_assign)
    db.add(team)
    db.flush()
    return team


def teams(db: Session) -> list[Team]:
    return list(db.exec(select(Team).order_by(Team.name)).all())


def members(db: Session, team_id: int) -> list[StaffUser]:
    return list(
        db.exec(
            select(StaffUser)
            .join(TeamMembership, col(TeamMembership.user_id) == col(StaffUser.id))
            .where(TeamMembership.team_id == team_id)
            .order_by(StaffUser.display_name, StaffUser.email)
        ).all()
    )


def all_users(db: Session) -> list[StaffUser]:
    return list(db.exec(select(StaffUser).order_by(StaffUser.display_name, StaffUser.email)).all())


def check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(roles)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError("unknown role")
    return roles
