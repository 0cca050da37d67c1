"""Possible duplicates: the same contact address, or the same sought person (name + birth year).

The system only suggests; staff link (and close the duplicate) or dismiss. Sought persons are
compared through a keyed hash of the normalised name and birth year, so finding them needs no
second copy of the name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlmodel import Session, col

from intake.models import Case
from triage.casework import history
from triage.casework.models import DuplicateLink, PersonKey
from yhteys.clock import now
from yhteys.db import pk, table_of
from yhteys.settings import get_settings

MAX_SUGGESTIONS = 10


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and word order do not matter: "Ahmed  Ali" == "ali, AHMED"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = re.findall(r"\w+", plain)
    return " ".join(sorted(words))


def _birth_year(person: Mapping[str, Any]) -> int | None:
    born = person.get("birth_date")
    if isinstance(born, str) and re.match(r"^\d{4}-", born):
        return int(born[:4])
    return None


def person_key(name: str, year: int) -> str:
    secret = get_settings().secret_key.encode()
    message = f"person|{normalise_name(name)}|{year}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def person_keys(details: Mapping[str, Any] | None) -> set[str]:
    keys: set[str] = set()
    for person in (details or {}).get("persons") or []:
        if not isinstance(person, Mapping):
            continue
        year = _birth_year(person)
        for field in ("name", "name_original"):
            name = person.get(field)
            if year and isinstance(name, str) and normalise_name(name):
                keys.add(person_key(name, year))
    return keys


def _pair(
    session: Session, a: int, b: int, reason: str, *, new: bool = False
) -> DuplicateLink | None:
    """A new link between the two cases; None when they have one. `new`: one of them was
    created in this transaction, so they have none."""
    first, second = sorted((a, b))
    query = select(DuplicateLink).where(
        col(DuplicateLink.case_id) == first, col(DuplicateLink.other_case_id) == second
    )
    if not new and session.scalars(query).first() is not None:
        return None
    link = DuplicateLink(case_id=first, other_case_id=second, reason=reason)
    session.add(link)
    return link


_CASE = table_of(Case)
# Asked on every arrival with a contact address: built once, so compiled once per process.
_SAME_CONTACT = (
    select(_CASE.c.id, _CASE.c.reference)
    .where(_CASE.c.id != bindparam("case_id"), _CASE.c.anonymised_at.is_(None),
           _CASE.c.contact_address == bindparam("address"))
    .order_by(_CASE.c.id.desc())
    .limit(MAX_SUGGESTIONS)
)


def suggest(session: Session, case: Case, *, new: bool = False) -> list[tuple[int, str]]:
    """Store the case's person keys and suggest links to earlier cases that look the same;
    returns the other cases' ids with the reason. Reads ids and references only: the earlier
    cases themselves are not loaded. `new`: the case was created in this transaction."""
    if case.id is None:
        session.flush()
    found: dict[int, tuple[str, str]] = {}
    if case.contact_address and case.contact_channel != "none":
        params = {"case_id": case.id, "address": case.contact_address}
        for other_id, reference in session.execute(_SAME_CONTACT, params):
            found.setdefault(other_id, (reference, "contact"))
    keys = person_keys(case.details)
    for key in keys:
        session.add(PersonKey(case_id=pk(case), key=key))
    if keys:
        earlier = select(col(Case.id), col(Case.reference)).where(
            col(Case.id) != case.id, col(Case.anonymised_at).is_(None)
        ).order_by(col(Case.id).desc()).limit(MAX_SUGGESTIONS)
        query = earlier.join(PersonKey, col(PersonKey.case_id) == col(Case.id)).where(
            col(PersonKey.key).in_(keys))
        for other_id, reference in session.execute(query):
            found.setdefault(other_id, (reference, "sought_person"))
    results = []
    for other_id, (reference, reason) in list(found.items())[:MAX_SUGGESTIONS]:
        if _pair(session, pk(case), other_id, reason, new=new) is not None:
            history.add(session, case, "duplicate_suggested", None,
                        {"reference": reference, "other_id": other_id, "reason": reason})
            results.append((other_id, reason))
    return results


@dataclass(frozen=True)
class Suggestion:
    link: DuplicateLink
    other: Case


def for_case(session: Session, case_id: int) -> list[Suggestion]:
    """Every link of the case, both directions, with the other case."""
    query = select(DuplicateLink).where(
        or_(col(DuplicateLink.case_id) == case_id, col(DuplicateLink.other_case_id) == case_id)
    ).order_by(col(DuplicateLink.id))
    found = []
    for link in session.scalars(query):
        other_id = link.other_case_id if link.case_id == case_id else link.case_id
        other = session.get(Case, other_id)
        if other is not None:
            found.append(Suggestion(link, other))
    return found


def link_between(session: Session, case_id: int, other_id: int) -> DuplicateLink | None:
    first, second = sorted((case_id, other_id))
    query = select(DuplicateLink).where(
        col(DuplicateLink.case_id) == first, col(DuplicateLink.other_case_id) == second
    )
    return session.scalars(query).first()


def decide(session: Session, link: DuplicateLink, status: str, actor_id: int) -> None:
    link.status, link.decided_at, link.decided_by = status, now(), actor_id
    session.add(link)


def staff_link(session: Session, case: Case, other: Case, actor_id: int) -> DuplicateLink:
    case_id, other_id = pk(case), pk(other)
    link = link_between(session, case_id, other_id) or _pair(session, case_id, other_id, "staff")
    assert link is not None
    decide(session, link, "linked", actor_id)
    return link


def forget(session: Session, case_id: int) -> None:
    """Anonymisation: the person keys go with the answers they were made from."""
    session.execute(delete(PersonKey).where(col(PersonKey.case_id) == case_id))
