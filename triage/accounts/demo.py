"""Demo teams and staff accounts for `make run`: development only, idempotent.

Passwords are derived from SECRET_KEY (the development default in `make run`), so a second run
prints the same working passwords instead of ones nobody can use.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlmodel import select

from triage.accounts.models import StaffUser, Team
from triage.accounts.users import create_team, create_user
from yhteys.db import pk, session_scope
from yhteys.settings import get_settings

TEAMS = [
    ("Family reunification", "family-reunification", "perheenyhdistaminen@yhteys.invalid", True),
    ("Tracing", "tracing", "henkiloiden-etsinta@yhteys.invalid", False),
    ("Social services", "social-services", "sosiaalipalvelut@yhteys.invalid", True),
    ("Undocumented advice", "undocumented-advice", "paperittomat@yhteys.invalid", False),
]

# (email, name, roles, team slugs, languages)
STAFF = [
    ("admin@yhteys.invalid", "Aino Admin", ("admin",), (), ("fi", "sv", "en")),
    ("supervisor@yhteys.invalid", "Sanna Supervisor", ("supervisor",), (), ("fi", "en")),
    ("lead@yhteys.invalid", "Leo Lead", ("admin", "supervisor"), (), ("fi", "sv")),
    ("family.fi@yhteys.invalid", "Fatima Family", ("advisor",), ("family-reunification",),
     ("fi", "ar", "en")),
    ("family.so@yhteys.invalid", "Hodan Family", ("advisor",), ("family-reunification",),
     ("so", "en", "fi")),
    ("tracing@yhteys.invalid", "Timo Tracing", ("advisor",), ("tracing",), ("fi", "ru", "en")),
    ("tracing.fa@yhteys.invalid", "Parisa Tracing", ("advisor",), ("tracing",),
     ("fa", "prs", "en")),
    ("social@yhteys.invalid", "Siri Social", ("advisor",), ("social-services",),
     ("sv", "fi", "en")),
    ("undocumented@yhteys.invalid", "Omar Undocumented", ("advisor",),
     ("undocumented-advice", "social-services"), ("ar", "fi", "en", "fa")),
]


# Staff who read their emails in another staff language than Finnish.
EMAIL_LANGUAGES = {"social@yhteys.invalid": "sv", "tracing.fa@yhteys.invalid": "en"}


def demo_password(email: str) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"demo-password|{email}".encode(), hashlib.sha256).hexdigest()
    return "demo-" + "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def seed() -> list[tuple[str, str, str]]:
    """Create what is missing; return (email, password, roles) of every demo account."""
    if get_settings().is_production:
        raise RuntimeError("demo staff accounts are never created in production")
    with session_scope() as db:
        by_slug = {t.slug: t for t in db.exec(select(Team)).all()}
        for name, slug, email, auto_assign in TEAMS:
            if slug not in by_slug:
                by_slug[slug] = create_team(db, name=name, slug=slug, email=email,
                                            auto_assign=auto_assign)
        rows = []
        for email, name, roles, slugs, languages in STAFF:
            password = demo_password(email)
            existing = db.exec(select(StaffUser).where(StaffUser.email == email)).first()
            if existing is None:
                user = create_user(db, email=email, password=password, roles=roles,
                                   display_name=name, languages=languages,
                                   team_ids=[pk(by_slug[s]) for s in slugs])
                user.ui_language = EMAIL_LANGUAGES.get(email, "")
            rows.append((email, password, ",".join(roles)))
    return rows


def print_accounts(rows: list[tuple[str, str, str]]) -> None:
    print("Demo staff accounts (development only) — log in at /triage/login:")
    for email, password, roles in rows:
        print(f"  {email:<32} {password:<22} {roles}")
