"""Find a case without its reference: by a name the client gave, a phone number, an email
address or a part of the reference, among the cases the advisor may see.

The case row keeps names and contacts as typed; `case_search` keeps them normalised, so one
comparison serves every way of typing them: names without case, accents, Arabic vowel marks or
letter variants ("Yūsuf", "YUSUF", "يُوسُف" / "يوسف"), phone numbers in E.164 ("040 123 4567" and
"+358 40 1234567" are one number), email addresses in lower case, references without dashes.
Every word of the query must be in the case (in any order); a part of a word is enough.

On PostgreSQL the columns have trigram indexes (pg_trgm): `LIKE '%yusuf%'` reads only the cases
whose names have those trigrams. SQLite reads the table: correct, and fast enough at its size.

What a search was for is not kept: the audit trail records that a search happened, what kind
of key it was and how many cases it found, never the name or number typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from intake.models import Case
from intake.references import ALPHABET
from triage.accounts.auth import readable_team_ids
from triage.accounts.models import StaffUser
from triage.casework.models import CaseSearch
from yhteys.db import pk, table_of
from yhteys.plain_inserts import insert_rows

LIMIT = 25
MIN_LENGTH = 3  # trigrams: shorter parts cannot use the index, and find too much
MAX_QUERY = 120
MIN_PHONE_DIGITS = 6
PHONE_REGION = "FI"
PHONE_CHANNELS = ("phone", "sms", "whatsapp")
KINDS = ("name", "phone", "email", "reference")

# Letters that are one letter to a reader but several to a computer, after NFKD has removed
# accents and vowel marks: Arabic/Persian variants of alef, yeh, kaf, heh; Latin letters that
# do not decompose.
_FOLD = str.maketrans({
    "\u0671": "\u0627", "\u0649": "\u064a", "\u06cc": "\u064a", "\u06d2": "\u064a",
    "\u06a9": "\u0643", "\u0629": "\u0647", "\u06c1": "\u0647", "\u0640": None,
    "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i",
})
_WORD = re.compile(r"[^\W_]+")
_PHONE_TEXT = re.compile(r"^\+?[\d\s().\-/]+$")
_REFERENCE_CHARS = re.compile(r"^[0-9A-Z\s\-]+$")
_REFERENCE_LETTERS = frozenset(ALPHABET)


def fold(text: str) -> str:
    """A name as the search compares it: "Yūsuf  AL-Ḥasan" -> "yusuf al hasan"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_WORD.findall(plain.translate(_FOLD)))


def phone_key(text: str) -> str:
    """A phone number in E.164 ("+358401234567"), read as Finnish when it has no country code;
    its digits when it is not a number phonenumbers can place."""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "".join(c for c in text if c.isdigit())


def _national(text: str) -> str:
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    return str(number.national_number) if phonenumbers.is_possible_number(number) else ""


def _persons(details: Mapping[str, Any] | None) -> Iterable[Mapping[str, Any]]:
    for person in (details or {}).get("persons") or []:
        if isinstance(person, Mapping):
            yield person


def names_of(case: Case) -> list[str]:
    """Every name the client gave: hers, and the sought persons' in every form she wrote."""
    found = [case.name]
    for person in _persons(case.details):
        found += [str(person.get(f) or "") for f in ("name", "name_original", "other_spellings")]
    return [n for n in (fold(x) for x in found) if n]


def contacts_of(case: Case) -> list[str]:
    found = []
    for channel, address in ((case.contact_channel, case.contact_address),
                             (case.backup_channel, case.backup_address)):
        if not address:
            continue
        found.append(phone_key(address) if channel in PHONE_CHANNELS else address.strip().lower())
    return found


def index(session: Session, case: Case, merged: Iterable[Case] = (), *, new: bool = False) -> None:
    """Make or remake the case's search row (in the caller's transaction). A case that others
    were `merged` into is found by their names and contacts too: she may phone from the number
    she gave on the duplicate. `new`: the case has just arrived, so it has no row to look for."""
    cases = [case, *merged]
    values = {
        "names": " | ".join(dict.fromkeys(n for c in cases for n in names_of(c))),
        "contacts": " ".join(dict.fromkeys(a for c in cases for a in contacts_of(c))),
        "reference": case.reference.replace("-", "").lower(),
    }
    if new:  # a plain row nothing reads back in this transaction: no ORM flush for it
        insert_rows(session, _INSERT_SEARCH, {"case_id": pk(case), **values})
        return
    row = session.get(CaseSearch, pk(case)) or CaseSearch(case_id=pk(case))
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)


_INSERT_SEARCH = insert(table_of(CaseSearch))


def forget(session: Session, case_id: int) -> None:
    """Anonymisation: nothing left to find her by."""
    session.execute(delete(CaseSearch).where(col(CaseSearch.case_id) == case_id))


@dataclass(frozen=True)
class Query:
    """What was typed, read as the kinds of key it can be, each a list of parts to find."""

    kinds: dict[str, list[str]]

    @classmethod
    def read(cls, text: str) -> Query:
        text = text.strip()[:MAX_QUERY]
        kinds: dict[str, list[str]] = {}
        if "@" in text:
            kinds["email"] = [text.lower().replace(" ", "")]
            return cls(kinds)
        digits = "".join(c for c in text if c.isdigit())
        if _PHONE_TEXT.match(text) and len(digits) >= MIN_PHONE_DIGITS:
            # Its national number, which every stored form (E.164) contains: "040 123 4567",
            # "+358 40 123 4567" and "00358401234567" all look for "401234567". The country
            # code's trigrams ("+35", "358") are in nearly every row and would only cost time.
            kinds["phone"] = [_national(text) or digits.lstrip("0")]
        if _REFERENCE_CHARS.match(text.upper()):
            plain = re.sub(r"[\s\-]", "", text).lower()
            # A word with a vowel is a name: references have no vowels, and often a digit.
            looks = any(c.isdigit() for c in plain) or set(plain.upper()) <= _REFERENCE_LETTERS
            if looks and MIN_LENGTH <= len(plain) <= 9:
                kinds["reference"] = [plain]
        if any(c.isalpha() for c in text):
            words = [w for w in fold(text).split() if len(w) >= MIN_LENGTH or w.isdigit()]
            if words:
                kinds["name"] = words
        return cls(kinds)

    @property
    def usable(self) -> bool:
        return bool(self.kinds)


def _like(part: str) -> str:
    escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(query: Query) -> ColumnElement[bool]:
    columns = {"name": CaseSearch.names, "phone": CaseSearch.contacts,
               "email": CaseSearch.contacts, "reference": CaseSearch.reference}
    alternatives = []
    for kind, parts in query.kinds.items():
        column = col(columns[kind])
        likes = [column.like(_like(p), escape="\\") for p in parts]
        alternatives.append(and_(*likes))  # every word of a name

    return or_(*alternatives)


@dataclass
class Result:
    cases: list[Case]
    more: bool  # more than LIMIT found: the advisor should add to the search


def find(session: Session, user: StaffUser, query: Query) -> Result:
    """The newest matching cases the user may see (her teams; every team for a supervisor)."""
    if not query.usable:
        return Result([], False)
    statement = (
        select(Case)
        .join(CaseSearch, col(CaseSearch.case_id) == col(Case.id))
        .where(_matches(query), col(Case.anonymised_at).is_(None))
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .limit(LIMIT + 1)
    )
    teams = readable_team_ids(user)
    if teams is not None:
        statement = statement.where(col(Case.team_id).in_(sorted(teams)))
    found = list(session.scalars(statement))
    return Result(found[:LIMIT], len(found) > LIMIT)


def audit_detail(query: Query, result: Result) -> dict[str, Any]:
    """What the trail keeps of a search: its kinds and how many it found, not what was typed.

    Not even a keyed hash of the term: names and phone numbers are few enough to be guessed
    and hashed again by anyone holding the key, so the hash would be the term in disguise, and
    it would link an advisor's searches to a person the trail should not name.
    """
    return {"kinds": sorted(query.kinds), "found": len(result.cases),
            "more": result.more}
