"""Every public page in every language and every state a person can bring it to, as HTML.

Shared by the checks that read every page the public sees (the HTML checker, the browser's
language checks). Nothing here is a list of pages to keep up: the plain pages are the app's GET
routes, the forms are the kinds the product offers, and the filled-in forms are the ones the
intake tests send (tests/intake/conftest.py), so a new page, kind or field is covered the day it
exists.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from intake.choices import KIND_SLUGS
from intake.models import Case, CaseMessage
from tests.intake.conftest import NOW, form_data
from yhteys.db import engine_for
from yhteys.i18n import LANGUAGES, RTL_LANGUAGES

MISSING_PATH = "no-such-page"
TOO_MANY_FIELDS = 1000  # more than any form has: the post is refused with a page of its own


@dataclass(frozen=True)
class PublicPage:
    """One page as a person gets it: which language, which state, and its HTML."""

    lang: str
    state: str
    path: str
    status: int
    html: str

    @property
    def label(self) -> str:
        return f"{self.lang} {self.state} ({self.path}, HTTP {self.status})"


def plain_paths(lang: str) -> list[str]:
    """The language's GET routes that take no parameter (start, privacy, hours, ...)."""
    from tests.browser.test_every_page import route_pages

    return [path for path in route_pages() if path.startswith(f"/{lang}/")]


def expected_dir(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


def status_path(page: str) -> str:
    match = re.search(r'class="secret-link" dir="ltr"><a href="([^"]+)"', page)
    assert match, "no status link on the confirmation page"
    url = html.unescape(match.group(1))
    return "/" + url.split("/", 3)[3]


def case_by_reference(database_url: str, page: str) -> Case:
    match = re.search(r'class="reference" dir="ltr">([^<]+)<', page)
    assert match, "no reference on the page"
    with Session(engine_for(database_url), expire_on_commit=False) as db:
        return db.exec(select(Case).where(Case.reference == match.group(1).strip())).one()


def add_conversation(database_url: str, case_id: int, lang: str) -> None:
    """An advisor's reply and the client's answer, as the status page shows a conversation."""
    with Session(engine_for(database_url)) as db:
        db.add(CaseMessage(case_id=case_id, author="staff", body=f"{LANGUAGES[lang]}: 1, 2, 3."))
        db.add(CaseMessage(case_id=case_id, author="client", body=f"{LANGUAGES[lang]}: ✓"))
        db.commit()


def make_idle(database_url: str, case_id: int, days: int) -> None:
    """The link was last used long ago: it has stopped working."""
    with Session(engine_for(database_url)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.status_link_used_at = NOW - timedelta(days=days)
        case.created_at = NOW - timedelta(days=days)
        db.add(case)
        db.commit()


def gather(client: Any, database_url: str, idle_days: int) -> list[PublicPage]:
    """Every public page in every language and state, fetched with a Starlette TestClient."""
    pages: list[PublicPage] = []

    def keep(lang: str, state: str, path: str, response: Any) -> str:
        if "text/html" in response.headers.get("content-type", ""):
            pages.append(PublicPage(lang, state, path, response.status_code, response.text))
        return response.text

    def get(lang: str, state: str, path: str) -> str:
        return keep(lang, state, path, client.get(path))

    def post(lang: str, state: str, path: str, data: dict) -> str:
        return keep(lang, state, path, client.post(path, data=data))

    get("mul", "language choice", "/")
    for lang in LANGUAGES:
        for path in plain_paths(lang):
            get(lang, f"page {path}", path)
        get(lang, "not found", f"/{lang}/{MISSING_PATH}")
        for kind, slug in KIND_SLUGS.items():
            path = f"/{lang}/request/{slug}"
            form = get(lang, f"{kind} form", path)
            tokens = {name: hidden_value(form, name) for name in ("csrf_token", "idempotency_key")}
            errors = post(lang, f"{kind} form with errors", path, tokens)
            for rows in sorted(set(re.findall(r'name="add_row" value="([^"]+)"', errors))):
                post(lang, f"{kind} form with a row added to {rows}", path,
                     {**tokens, "add_row": rows})
            if kind == "family_reunification":  # errors inside a row of a group, and more rows
                post(lang, f"{kind} form with errors in a member row", path,
                     {**tokens, **form_data(kind), "details.members.2.birth_date.day": "31",
                      "details.members.2.birth_date.month": "2",
                      "details.migri_number": "see letter"})
            form = client.get(path).text
            tokens = {name: hidden_value(form, name) for name in ("csrf_token", "idempotency_key")}
            confirmation = post(lang, f"{kind} confirmation", path, {**tokens, **form_data(kind)})
            case = case_by_reference(database_url, confirmation)
            add_conversation(database_url, case.id, lang)
            status = get(lang, f"{kind} status with messages", status_path(confirmation))
            if kind != "other":
                continue
            link = status_path(confirmation)
            token = {"csrf_token": hidden_value(status, "csrf_token")}
            post(lang, "status message with errors", link, {**token, "body": ""})
            get(lang, "status after a message", f"{link}?sent=1")
            post(lang, "link ended now", f"{link}/end", token)
            get(lang, "link ended", link)
        path = f"/{lang}/request/{KIND_SLUGS['other']}"
        form = client.get(path).text
        key = {"idempotency_key": hidden_value(form, "idempotency_key")}
        post(lang, "form with an outdated token", path,
             {**key, "csrf_token": "outdated", **form_data("other")})
        post(lang, "form with too many fields", path,
             {f"field{number}": "" for number in range(TOO_MANY_FIELDS)})
        whatsapp = post_new_case(client, lang, contact_channel="whatsapp")
        keep(lang, "whatsapp confirmation", path, whatsapp)
        get(lang, "whatsapp status", status_path(whatsapp.text))
        idle = post_new_case(client, lang).text
        make_idle(database_url, case_by_reference(database_url, idle).id, idle_days + 1)
        get(lang, "link idle", status_path(idle))
    return pages


def post_new_case(client: Any, lang: str, **changes: object) -> Any:
    """A new request of the simplest kind; the confirmation page's response."""
    path = f"/{lang}/request/{KIND_SLUGS['other']}"
    form = client.get(path).text
    tokens = {name: hidden_value(form, name) for name in ("csrf_token", "idempotency_key")}
    response = client.post(path, data={**tokens, **form_data("other", **changes)})
    assert response.status_code == 200, response.text[:300]
    return response
