"""Finland's municipalities as data: official code, Finnish and Swedish names.

The list lives in `intake/data/municipalities.csv` (Statistics Finland's municipality
classification, 308 municipalities since Pertunmaa joined Mäntyharju). Areas are stored and routed
by code, so "Vanda" and "Vantaa" are one place. The form offers them as a choice
(`MunicipalityChoice`, `OPTIONS`) with "I'd rather not say" (`NOT_SAID`) first.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from intake.fields import Choice, Invalid
from intake.fields import Options as FieldOptions
from yhteys.i18n import get_locale, lazy_gettext

DATA = Path(__file__).parent / "data" / "municipalities.csv"
NOT_SAID = "not_said"  # "I'd rather not say": stored as the answer, never as a place
RATHER_NOT_SAY = lazy_gettext("I'd rather not say")
# Municipalities merged into another since the list was first taken: an old code or name (typed
# text, a rule, an answer stored before) still finds the municipality it is part of now.
MERGED = {"588": ("Pertunmaa", "507")}  # Pertunmaa joined Mäntyharju


@dataclass(frozen=True)
class Municipality:
    code: str
    name_fi: str
    name_sv: str

    def name(self, language: str) -> str:
        """The name for a page in `language`: Swedish pages Swedish, others Finnish with the
        Swedish in brackets where it differs (Finnish pages only the Finnish)."""
        if language == "sv":
            return self.name_sv
        if language == "fi" or self.name_sv == self.name_fi:
            return self.name_fi
        return f"{self.name_fi} ({self.name_sv})"


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a place name."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split()).casefold()


@cache
def all_municipalities() -> tuple[Municipality, ...]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        return tuple(Municipality(r["code"], r["name_fi"], r["name_sv"]) for r in rows)


@cache
def _by_key() -> dict[str, Municipality]:
    keys: dict[str, Municipality] = {}
    for m in all_municipalities():
        keys[m.code] = m
        keys[fold(m.name_fi)] = m
        keys[fold(m.name_sv)] = m
    for old_code, (old_name, now_in) in MERGED.items():
        keys[old_code] = keys[fold(old_name)] = keys[now_in]
    return keys


def by_code(code: str) -> Municipality | None:
    """The municipality of a code (a merged one's: the municipality it is part of now)."""
    code = code.strip()
    found = _by_key().get(code)
    return found if found is not None and (found.code == code or code in MERGED) else None


def codes_within(code: str) -> list[str]:
    """The codes an answer about `code`'s place may hold: its own and those merged into it."""
    return [code, *(old for old, (_, now_in) in MERGED.items() if now_in == code)]


def find(text: str) -> Municipality | None:
    """The municipality a free text names (by code, Finnish or Swedish name), or None."""
    return _by_key().get(fold(text)) or _by_key().get(text.strip())


@cache
def choices(language: str) -> list[tuple[str, str]]:
    """(code, name) for a select in `language`, in that language's alphabetical order: Finnish
    and Swedish readers find Å Ä Ö after Z; readers of other languages find Ä among the A's
    (the Unicode collation's order, which their own alphabets' readers expect of Latin names)."""
    rows = [(m.code, m.name(language)) for m in all_municipalities()]
    return sorted(rows, key=lambda row: sort_key(row[1], language))


_NORDIC_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}"})  # Å Ä Ö come after Z


def sort_key(name: str, language: str) -> tuple[str, str]:
    text = " ".join(name.split()).casefold()
    if language in ("fi", "sv"):
        return text.translate(_NORDIC_ORDER), text
    return fold(text), text  # accents only break ties


class Options(Mapping[str, Any]):
    """Code to label for the form's select, in the language of the page being drawn: "I'd
    rather not say" first (no scrolling past 308 names to find it), then the municipalities."""

    def _table(self) -> dict[str, Any]:
        return {NOT_SAID: RATHER_NOT_SAY, **dict(choices(get_locale()))}

    def __getitem__(self, code: str) -> Any:
        if code == NOT_SAID:
            return RATHER_NOT_SAY
        found = by_code(code)
        if found is None:
            raise KeyError(code)
        return found.name(get_locale())

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(all_municipalities()) + 1


OPTIONS = Options()


def codes() -> list[str]:
    return [NOT_SAID, *(m.code for m in all_municipalities())]


@dataclass(frozen=True)
class MunicipalityChoice(Choice):
    """A municipality code or "I'd rather not say". A Finnish or Swedish name (any case or
    accents: what an API client typed before areas were a choice) is taken as its code."""

    options: FieldOptions = codes

    def convert(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise Invalid("invalid_type")
        value = raw.strip()
        if value == NOT_SAID:
            return value
        found = find(value) if len(value) <= 120 else None
        if found is None:
            raise Invalid("invalid_choice")
        return found.code
