"""Partner API keys for the API tests, issued the way administrators issue them."""

from __future__ import annotations

from sqlmodel import Session

from intake import partners
from intake.models import ApiKey
from yhteys.db import get_engine


def issue_key(*, scopes: tuple[str, ...] = (partners.CREATE_CASES,), rate_limit: int = 1000,
              name: str = "Partner service") -> tuple[str, ApiKey]:
    with Session(get_engine(), expire_on_commit=False) as db:
        issued = partners.issue(db, name=name, scopes=scopes, rate_limit=rate_limit,
                                created_by=None)
        db.commit()
        return issued.token, issued.api_key


def load_key(api_key_id: int) -> ApiKey:
    with Session(get_engine(), expire_on_commit=False) as db:
        found = db.get(ApiKey, api_key_id)
        assert found is not None
        return found
