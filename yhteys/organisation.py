"""Who runs this service: the national society's name, logo, contact and emergency number.

Any Red Cross or Red Crescent society runs its own copy, so these come from the settings
(ORG_NAME, ORG_LOGO, ...), never from the templates. The organisation's name is a proper name and
stays as configured in every language; the service's name ("Red Cross advice for migrants") is
a translated message. Numbers and addresses are shown left to right inside right-to-left text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from yhteys.settings import LOGO_TYPES, Settings, get_settings

BUILT_IN_LOGO = "emblem.svg"  # under static/
LOGO_PATH = "/organisation-logo"


@dataclass(frozen=True)
class Organisation:
    name: str
    logo_url: str
    email: str
    phone: str
    emergency_number: str
    statement_url: str  # the society's own accessibility statement, or "" for the built-in one
    statement_date: date  # when the built-in statement was last checked against the service
    authority: str
    authority_url: str

    @property
    def emergency(self) -> Markup:
        """The emergency number for a sentence: `_("... call %(number)s.", number=...)`."""
        return ltr(self.emergency_number)

    @property
    def phone_href(self) -> str:
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")

    def accessibility_url(self, locale: str) -> str:
        return self.statement_url or f"/{locale}/accessibility"


def ltr(text: str) -> Markup:
    """A number or address isolated and left to right, also in Arabic, Persian or Sorani text."""
    return Markup('<bdi dir="ltr">%s</bdi>') % text


@lru_cache(maxsize=8)
def _file_hash(path: Path, mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def logo_file(settings: Settings) -> tuple[Path, str] | None:
    """The configured logo (path, media type); None means the built-in emblem."""
    if settings.org_logo is None:
        return None
    path = settings.org_logo
    return path, LOGO_TYPES[path.suffix.lower()]


def _logo_url(settings: Settings) -> str:
    from yhteys.templating import static_url

    found = logo_file(settings)
    if found is None:
        return static_url(BUILT_IN_LOGO)
    path, _media_type = found
    return f"{LOGO_PATH}?v={_file_hash(path, path.stat().st_mtime)}"


def organisation(settings: Settings | None = None) -> Organisation:
    settings = settings or get_settings()
    return Organisation(
        name=settings.org_name,
        logo_url=_logo_url(settings),
        email=settings.org_email,
        phone=settings.org_phone,
        emergency_number=settings.emergency_number,
        statement_url=settings.accessibility_statement_url,
        statement_date=date.fromisoformat(settings.accessibility_statement_date),
        authority=settings.accessibility_authority,
        authority_url=settings.accessibility_authority_url,
    )
