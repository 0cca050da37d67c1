"""Partner API keys as administrators handle them: make, revoke, list; each act in the trail.

The keys and their check belong to `intake.partners` (the API is there); this module adds who did
it. A refused use of the API is written to the trail by `audit_refusal`, which the composition
root subscribes to `intake.partners.on_refusal`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from intake import partners
from intake.models import ApiKey
from triage.accounts import audit
from triage.accounts.models import StaffUser
from triage.pages import clipped, many
from yhteys.i18n import gettext as _


@dataclass
class KeyForm:
    name: str = ""
    scopes: list[str] = field(default_factory=lambda: [partners.CREATE_CASES])
    rate_limit: str = str(partners.DEFAULT_RATE_LIMIT)

    @classmethod
    def read(cls, form: FormData) -> KeyForm:
        return cls(
            name=clipped(form, "name", 120),
            scopes=[s for s in partners.SCOPES if s in many(form, "scopes")],
            rate_limit=clipped(form, "rate_limit", 12),
        )

    def errors(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if not self.name:
            found["name"] = _("Name the partner service that will use the key.")
        if not self.scopes:
            found["scopes"] = _("Choose at least one permission.")
        if not self.rate_limit.isdigit() or not (
            1 <= int(self.rate_limit) <= partners.MAX_RATE_LIMIT
        ):
            found["rate_limit"] = _("Write a whole number from 1 to %(max)s.",
                                    max=partners.MAX_RATE_LIMIT)
        return found


def create(session: Session, request: Request | None, actor: StaffUser, data: KeyForm
           ) -> partners.IssuedKey:
    """Issue a key and record it, in the caller's transaction (the caller commits)."""
    issued = partners.issue(session, name=data.name, scopes=data.scopes,
                            rate_limit=int(data.rate_limit), created_by=actor.id)
    audit.record(session, actor=actor, action="api_key.create",
                 detail={"api_key_id": issued.api_key.id, "key_id": issued.api_key.key_id,
                         "scopes": issued.api_key.scopes,
                         "rate_limit": issued.api_key.rate_limit},
                 request=request)
    return issued


def revoke(session: Session, request: Request | None, actor: StaffUser, api_key_id: int
           ) -> ApiKey | None:
    """Revoke a key and record it (once: revoking a revoked key changes nothing)."""
    api_key = session.get(ApiKey, api_key_id)
    if api_key is None:
        return None
    if api_key.revoked_at is not None:
        return api_key
    partners.revoke(session, api_key_id, revoked_by=actor.id)
    audit.record(session, actor=actor, action="api_key.revoke",
                 detail={"api_key_id": api_key.id, "key_id": api_key.key_id},
                 request=request)
    return api_key


def audit_refusal(session: Session, refusal: partners.Refusal, request: Request) -> None:
    """A refused API request in the trail: the reason code and the key's public id, if any."""
    detail: dict[str, object] = {"reason": refusal.reason, "status": refusal.status}
    if refusal.key_id:
        detail["key_id"] = refusal.key_id
    audit.record(session, actor=None, action="api_key.refused", detail=detail, request=request)


def register() -> None:
    """Write refused API requests to the trail (idempotent)."""
    partners.on_refusal(audit_refusal)
