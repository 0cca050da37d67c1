"""Field types of the input schemas: each parses one raw value and says what JSON it accepts.

The same parsers read an HTML form (everything arrives as strings) and a JSON body (strings,
numbers, booleans, lists), so both ways in share one set of rules. A parser returns the clean
value or raises `Invalid` with a stable code; messages are chosen later, in the page's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from yhteys.clock import local_now

EARLIEST_YEAR = 1900


class Invalid(Exception):  # noqa: N818 - reads as "raise Invalid(code)"
    """One field's value is not acceptable; `code` is stable, `params` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def spec(kind: FieldType, **kwargs: Any) -> Any:
    """A dataclass field whose value is parsed by `kind` (the schema of that field)."""
    return field(default_factory=lambda: kind.empty(), metadata={"spec": kind, **kwargs})


class FieldType:
    required: bool = False

    def empty(self) -> Any:
        return None

    def parse(self, raw: object) -> Any:
        if _is_empty(raw):
            if self.required:
                raise Invalid("required")
            return self.empty()
        return self.convert(raw)

    def convert(self, raw: object) -> Any:  # pragma: no cover - every type overrides it
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


# Line and paragraph separators count as line breaks: mail libraries may fold headers on them.
_LINE_BREAKS = frozenset("\r\n\u2028\u2029\x85\x0b\x0c")


def clean_text(raw: str, *, multiline: bool) -> str:
    """NFC, no control characters; in one-line text no line break of any kind."""
    if not multiline and any(c in _LINE_BREAKS for c in raw):
        raise Invalid("line_break")
    value = unicodedata.normalize("NFC", raw)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.replace("\u2028", "\n").replace("\u2029", "\n\n")
    allowed = {"\n", "\t"} if multiline else {"\t"}
    for char in value:
        category = unicodedata.category(char)
        # Cc: controls (NUL breaks PostgreSQL); Cs: lone surrogates (not encodable as UTF-8).
        if (category == "Cc" and char not in allowed) or category == "Cs":
            raise Invalid("invalid_characters")
    return value.replace("\t", " ").strip()


@dataclass(frozen=True)
class Text(FieldType):
    max_length: int
    required: bool = False
    multiline: bool = False

    def empty(self) -> str:
        return ""

    def convert(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise Invalid("invalid_type")
        value = clean_text(raw, multiline=self.multiline)
        if len(value) > self.max_length:
            raise Invalid("too_long", max=self.max_length, length=len(value))
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length}


Options = Iterable[str] | Callable[[], Iterable[str]]


def _options(options: Options) -> list[str]:
    return list(options() if callable(options) else options)


@dataclass(frozen=True)
class Choice(FieldType):
    options: Options
    required: bool = False

    def empty(self) -> str:
        return ""

    def convert(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise Invalid("invalid_type")
        value = raw.strip()
        if value not in _options(self.options):
            raise Invalid("invalid_choice")
        return value

    def json_schema(self) -> dict[str, Any]:
        options = _options(self.options)
        return {"type": "string", "enum": options if self.required else [*options, ""]}


@dataclass(frozen=True)
class MultiChoice(FieldType):
    options: Options
    required: bool = False

    def empty(self) -> list[str]:
        return []

    def parse(self, raw: object) -> list[str]:
        values = [raw] if isinstance(raw, str) else raw
        if values is None:
            values = []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise Invalid("invalid_type")
        allowed = _options(self.options)
        chosen: list[str] = []
        for value in (v.strip() for v in values):
            if not value:
                continue
            if value not in allowed:
                raise Invalid("invalid_choice")
            if value not in chosen:
                chosen.append(value)
        if self.required and not chosen:
            raise Invalid("required")
        return sorted(chosen, key=allowed.index)  # one order, so equal answers look equal

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": _options(self.options)},
            "uniqueItems": True,
        }


_TRUE = {"yes", "true", "on", "1"}
_FALSE = {"no", "false", "off", "0", ""}


@dataclass(frozen=True)
class Boolean(FieldType):
    def empty(self) -> bool:
        return False

    def parse(self, raw: object) -> bool:
        if raw is None or isinstance(raw, bool):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise Invalid("invalid_type")

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Integer(FieldType):
    minimum: int
    maximum: int
    required: bool = False

    def convert(self, raw: object) -> int:
        if isinstance(raw, bool):
            raise Invalid("invalid_number")
        if isinstance(raw, str):
            text = raw.strip()
            if not re.fullmatch(r"[0-9]{1,4}", text):
                raise Invalid("invalid_number")
            raw = int(text)
        if not isinstance(raw, int):
            raise Invalid("invalid_number")
        if not self.minimum <= raw <= self.maximum:
            raise Invalid("out_of_range", min=self.minimum, max=self.maximum)
        return raw

    def json_schema(self) -> dict[str, Any]:
        kind = "integer" if self.required else ["integer", "null"]
        return {"type": kind, "minimum": self.minimum, "maximum": self.maximum}


def today() -> date:
    return local_now().date()


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")  # 14.3.2024, as written here

# Phones set for Arabic, Persian or Sorani type these digits: read them as 0-9.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
PARTS = ("day", "month", "year")


def ascii_digits(text: str) -> str:
    """Eastern Arabic-Indic (٠-٩) and Persian (۰-۹) digits as 0-9; everything else unchanged."""
    return text.translate(_DIGITS)


@dataclass(frozen=True)
class DateParts:
    """A date typed into three boxes of the form (day, month, year), exactly as typed.

    Only the HTML form makes one: a JSON body cannot, so the API keeps taking ISO text.
    """

    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def from_form(cls, fields: Mapping[str, object]) -> DateParts:
        def text(name: str) -> str:
            value = fields.get(name)
            return value if isinstance(value, str) else ""

        return cls(text("day"), text("month"), text("year"))

    @property
    def blank(self) -> bool:
        return not any(getattr(self, part).strip() for part in PARTS)


def _numbers(parts: DateParts) -> dict[str, int | None]:
    """Each box as a number (None when empty); refuses anything but digits."""
    found: dict[str, int | None] = {}
    wrong: list[str] = []
    for part in PARTS:
        text = ascii_digits(getattr(parts, part)).strip()
        if not text:
            found[part] = None
        elif re.fullmatch(r"[0-9]+", text):
            found[part] = int(text) if len(text) <= 8 else 10**8  # out of every range
        else:
            wrong.append(part)
    if wrong:
        raise Invalid("date_not_numbers", parts=tuple(wrong))
    return found


_MISSING = {"day": "date_needs_day", "month": "date_needs_month", "year": "date_needs_year"}


def _missing(parts: list[str]) -> Invalid:
    """"Write the year." for one empty box; for more, every part named at once."""
    if len(parts) == 1:
        return Invalid(_MISSING[parts[0]], parts=tuple(parts))
    return Invalid("date_incomplete", parts=tuple(parts))


def _year(number: int, text: str) -> int:
    if len(ascii_digits(text).strip()) != 4:
        raise Invalid("date_year_digits", parts=("year",))
    if number < EARLIEST_YEAR:
        raise Invalid("date_year_too_early", parts=("year",), min=EARLIEST_YEAR)
    return number


def _real_parts(year: int, month: int, day: int) -> date:
    """The date of three numbers, or which box is wrong."""
    if not 1 <= month <= 12:
        bad = ("day", "month") if not 1 <= day <= 31 else ("month",)
        raise Invalid("date_not_real", parts=bad)
    try:
        return date(year, month, day)
    except ValueError:
        raise Invalid("date_not_real", parts=("day",)) from None


def _not_future(value: date, parts: tuple[str, ...]) -> None:
    if value > today():
        raise Invalid("date_in_future", parts=parts)


def whole_date_of(parts: DateParts) -> date:
    """The date of three boxes that must all be filled (a birth date, a decision date)."""
    numbers = _numbers(parts)
    missing = [part for part in PARTS if numbers[part] is None]
    if missing:
        raise _missing(missing)
    day, month, year = (int(numbers[part] or 0) for part in PARTS)
    value = _real_parts(_year(year, parts.year), month, day)
    _not_future(value, PARTS)
    return value


def partial_date_of(parts: DateParts) -> str:
    """ISO text of the precision given: a year alone, a month and a year, or all three."""
    numbers = _numbers(parts)
    day, month, year = (numbers[part] for part in PARTS)
    if year is None:
        raise Invalid("date_needs_year", parts=("year",))
    if day is not None and month is None:
        raise Invalid("date_day_without_month", parts=("month",))
    year = _year(year, parts.year)
    if month is None:
        _not_future(date(year, 1, 1), ("year",))
        return f"{year:04d}"
    if day is None:
        if not 1 <= month <= 12:
            raise Invalid("date_not_real", parts=("month",))
        _not_future(date(year, month, 1), ("month", "year"))
        return f"{year:04d}-{month:02d}"
    value = _real_parts(year, month, day)
    _not_future(value, PARTS)
    return value.isoformat()


def _real_date(year: int, month: int, day: int) -> date:
    try:
        value = date(year, month, day)
    except ValueError:
        raise Invalid("invalid_date") from None
    if year < EARLIEST_YEAR:
        raise Invalid("invalid_date")
    return value


@dataclass(frozen=True)
class Date(FieldType):
    """A whole date: three boxes of the form, or text (ISO from the API, 14.3.2024 typed)."""

    required: bool = False
    past_only: bool = True

    def parse(self, raw: object) -> Any:
        if isinstance(raw, DateParts) and raw.blank:
            raw = None
        return super().parse(raw)

    def convert(self, raw: object) -> date:
        if isinstance(raw, DateParts):
            return whole_date_of(raw)
        if not isinstance(raw, str):
            raise Invalid("invalid_type")
        text = raw.strip()
        if match := _ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
        elif match := _DOTTED_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
        else:
            raise Invalid("invalid_date")
        value = _real_date(year, month, day)
        if self.past_only and value > today():
            raise Invalid("date_in_future")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string" if self.required else ["string", "null"], "format": "date"}


_YEAR = re.compile(r"^(\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DOTTED_MONTH = re.compile(r"^(\d{1,2})[./](\d{4})$")


@dataclass(frozen=True)
class PartialDate(FieldType):
    """A year, a month or a day: a last sighting years ago is rarely known to the day.

    Stored as ISO text of the precision given: "2019", "2019-03" or "2019-03-14".
    """

    required: bool = False

    def empty(self) -> str:
        return ""

    def parse(self, raw: object) -> Any:
        if isinstance(raw, DateParts) and raw.blank:
            raw = None
        return super().parse(raw)

    def convert(self, raw: object) -> str:
        if isinstance(raw, DateParts):
            return partial_date_of(raw)
        if not isinstance(raw, str):
            raise Invalid("invalid_type")
        text = raw.strip()
        if match := _YEAR.match(text):
            year, month, day, precision = int(match.group(1)), 1, 1, "year"
        elif (match := _ISO_MONTH.match(text)) or (match := _DOTTED_MONTH.match(text)):
            groups = [int(g) for g in match.groups()]
            year, month = (groups[0], groups[1]) if groups[0] > 12 else (groups[1], groups[0])
            day, precision = 1, "month"
        else:
            value = Date(past_only=True).convert(text)
            return value.isoformat()
        if not 1 <= month <= 12:
            raise Invalid("invalid_date")
        value = _real_date(year, month, day)
        if value > today():
            raise Invalid("date_in_future")
        return str(year) if precision == "year" else f"{year:04d}-{month:02d}"

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": r"^(\d{4}(-\d{2}(-\d{2})?)?)?$",
            "description": "A year, a year and month, or a date: 2019, 2019-03 or 2019-03-14.",
        }


_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


@dataclass(frozen=True)
class Time(FieldType):
    """A time of day, HH:MM (also 9.30, as Finnish is written)."""

    required: bool = False

    def empty(self) -> str:
        return ""

    def convert(self, raw: object) -> str:
        if not isinstance(raw, str) or not (match := _TIME.match(raw.strip())):
            raise Invalid("invalid_time")
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise Invalid("invalid_time")
        return f"{hour:02d}:{minute:02d}"

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^(\d{2}:\d{2})?$", "examples": ["09:30"]}


@dataclass(frozen=True)
class ListOf(FieldType):
    """Several rows of a nested schema (family members, sought persons, contact times)."""

    item: type
    max_items: int
    required: bool = False

    def empty(self) -> list[Any]:
        return []


@dataclass(frozen=True)
class Nested(FieldType):
    item: type

    def empty(self) -> Any:
        return None


# The Finnish Immigration Service numbers its applications and files in a few ways over the years
# (a plain application number in Enter Finland, diary numbers with letters, a year and slashes or
# dashes). We only check the shape loosely: what a person copies from a letter is accepted, and
# what cannot be such a number (an address, a sentence, a single digit) is refused.
_MIGRI_DASHES = str.maketrans("‐‑‒–—−", "------")
_MIGRI_SHAPE = re.compile(r"^[A-Z0-9]+(?:[ ./-][A-Z0-9]+)*$")
_MIGRI_LABEL = re.compile(r"^(?:DNRO|DNR|NRO|NO|NR)\.?:?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class MigriNumber(FieldType):
    """A Migri application or diary number as copied from a letter: digits, maybe letters, parts
    joined by dashes, slashes or dots.

    Spaces are tidied (none around - or / nor inside plain digits, one between other parts),
    letters upper case, a leading "Dnro" label dropped; at least 4 digits, at most 6 letters,
    at most 40 characters.
    """

    max_length: int = 40

    def empty(self) -> str:
        return ""

    def convert(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise Invalid("invalid_type")
        text = ascii_digits(clean_text(raw, multiline=False)).translate(_MIGRI_DASHES)
        text = _MIGRI_LABEL.sub("", text.strip()).upper()
        text = re.sub(r"\s*([/.-])\s*", r"\1", re.sub(r"\s+", " ", text))
        if re.fullmatch(r"[0-9 ]+", text):
            text = text.replace(" ", "")  # digits grouped for reading: 123 4567
        digits = sum(c.isdigit() for c in text)
        letters = sum(c.isalpha() for c in text)
        if (
            len(text) > self.max_length
            or not _MIGRI_SHAPE.match(text)
            or not text.isascii()
            or digits < 4
            or letters > 6
        ):
            raise Invalid("invalid_migri_number")
        return text

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "maxLength": 64,
            "description": "Letters, digits, spaces, '-', '/' and '.', at least 4 digits.",
        }
