"""Roles are given by two administrators: one asks, a different one (not the grantee) approves.

An administrator alone cannot make herself (or a puppet account) a reader of cases: every role is
a pending grant until another administrator approves it. Every role counts, admin too, since a
second admin account controlled by the first would otherwise approve her requests. Taking a role
away needs no second person. `yhteys create-user`, run on the server, stays the bootstrap path.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.requests import Request

from triage.accounts import audit, notices
from triage.accounts.models import ROLES, RoleGrant, StaffUser
from yhteys.clock import now
from yhteys.db import pk, rowcount

PENDING = "pending"


class GrantError(ValueError):
    """A decision that may not be made; `code` says why (the view words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PendingGrant:
    grant: RoleGrant
    user: StaffUser
    requester: StaffUser | None


def pending_for(db: Session, user_id: int | None = None) -> list[RoleGrant]:
    statement = select(RoleGrant).where(RoleGrant.state == PENDING)
    if user_id is not None:
        statement = statement.where(RoleGrant.user_id == user_id)
    return list(db.exec(statement.order_by(col(RoleGrant.requested_at), col(RoleGrant.id))).all())


def pending(db: Session) -> list[PendingGrant]:
    """Every grant waiting for a decision, with the people it names (for the Users page)."""
    result = []
    for grant in pending_for(db):
        user = db.get(StaffUser, grant.user_id)
        if user is not None:
            result.append(PendingGrant(grant, user, db.get(StaffUser, grant.requested_by)))
    return result


def request(db: Session, actor: StaffUser, user: StaffUser, role: str,
            http: Request | None = None) -> RoleGrant | None:
    """Ask for `role` for `user`; None when she has it or it is already asked for."""
    if role not in ROLES:
        raise GrantError("unknown_role")
    if user.has_role(role) or any(g.role == role for g in pending_for(db, user.id)):
        return None
    grant = RoleGrant(user_id=pk(user), role=role, requested_by=pk(actor))
    db.add(grant)
    db.flush()
    audit.record(db, actor=actor, action="role.requested", request=http,
                 detail={"user_id": user.id, "role": role, "grant_id": grant.id})
    return grant


def _decide(db: Session, grant: RoleGrant, actor: StaffUser, state: str) -> None:
    """Move a pending grant to `state`, atomically: two admins deciding at once, one wins."""
    result = db.execute(
        update(RoleGrant)
        .where(col(RoleGrant.id) == grant.id, col(RoleGrant.state) == PENDING)
        .values(state=state, decided_by=actor.id, decided_at=now())
    )
    if not rowcount(result):
        raise GrantError("decided")
    db.refresh(grant)


def approve(db: Session, actor: StaffUser, grant: RoleGrant, http: Request | None = None) -> None:
    if not actor.has_role("admin") or not actor.is_active:
        raise GrantError("not_admin")
    if actor.id == grant.requested_by:
        raise GrantError("own_request")
    if actor.id == grant.user_id:
        raise GrantError("own_account")
    user = db.get(StaffUser, grant.user_id)
    if user is None:
        raise GrantError("decided")
    _decide(db, grant, actor, "approved")
    user.set_roles(user.role_set | {grant.role})
    db.add(user)
    audit.record(db, actor=actor, action="role.granted", request=http,
                 detail={"user_id": user.id, "role": grant.role, "grant_id": grant.id,
                         "requested_by": grant.requested_by})
    notices.tell(db, user, "staff_role_granted", about=f"grant:{grant.id}")


def reject(db: Session, actor: StaffUser, grant: RoleGrant, http: Request | None = None) -> None:
    """Another admin refuses it, or its requester withdraws it; never the grantee."""
    if not actor.has_role("admin") or actor.id == grant.user_id:
        raise GrantError("own_account")
    state = "cancelled" if actor.id == grant.requested_by else "rejected"
    _decide(db, grant, actor, state)
    audit.record(db, actor=actor, action=f"role.{state}", request=http,
                 detail={"user_id": grant.user_id, "role": grant.role, "grant_id": grant.id})


def remove(db: Session, actor: StaffUser, user: StaffUser, roles: set[str],
           http: Request | None = None) -> None:
    """Take roles away at once (no second person needed), audited, the person told."""
    roles = roles & user.role_set
    if not roles:
        return
    user.set_roles(user.role_set - roles)
    db.add(user)
    for role in sorted(roles):
        audit.record(db, actor=actor, action="role.removed", request=http,
                     detail={"user_id": user.id, "role": role})
    notices.tell(db, user, "staff_role_removed", about="roles:" + "+".join(sorted(roles)))
