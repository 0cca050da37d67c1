"""Finland's municipalities as data: official code, Finnish and Swedish names.

The list lives in `intake/data/municipalities.csv` (Statistics Finland's municipality
classification). Areas are stored and routed by code, so "Vanda" and "Vantaa" are one place.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "municipalities.csv"
NOT_SAID = "not_said"  # "I'd rather not say"


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
    return keys


def by_code(code: str) -> Municipality | None:
    found = _by_key().get(code.strip())
    return found if found is not None and found.code == code.strip() else None


def find(text: str) -> Municipality | None:
    """The municipality a free text names (by code, Finnish or Swedish name), or None."""
    return _by_key().get(fold(text)) or _by_key().get(text.strip())


def choices(language: str) -> list[tuple[str, str]]:
    """(code, name) for a select in `language`, in that language's alphabetical order."""
    rows = [(m.code, m.name(language)) for m in all_municipalities()]
    return sorted(rows, key=lambda row: row[1].casefold().translate(_NORDIC_ORDER))


_NORDIC_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}"})  # Å Ä Ö come after Z
