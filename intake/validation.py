"""The one validation path: a raw request (from the HTML form or the JSON API) to a Submission.

`validate` runs every field's parser and every rule that spans fields, collecting all errors at
once so a person fixes everything in one go. Both ways in call it with a plain nested dict;
`strict` (the API) also refuses members the schema does not know, so a typo is not silently lost.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from intake import questions
from intake.choices import PHONE_CHANNELS
from intake.errors import Errors
from intake.fields import Invalid, ListOf, Nested
from intake.schemas import case_input, details_schema
from yhteys.i18n import LANGUAGES

DEFAULT_REGION = "FI"


def _join(path: str, name: str | int) -> str:
    return f"{path}.{name}" if path else str(name)


def parse_object(
    cls: type, raw: object, path: str, errors: Errors, *, strict: bool, skip: Iterable[str] = ()
) -> Any:
    """Parse `raw` into an instance of the dataclass `cls`; errors go into `errors` by path.

    Fields that fail keep their empty value, so rules across fields can still look at the rest.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        errors.add(path, "invalid_object")
        raw = {}
    specs = _specs(cls)
    if strict:
        for key in raw:
            if key not in specs and key not in skip:
                errors.add(_join(path, str(key)), "unknown_field")
    values: dict[str, Any] = {}
    for name, kind in specs.items():
        value = raw.get(name)
        if isinstance(kind, ListOf):
            values[name] = _parse_list(kind, value, _join(path, name), errors, strict=strict)
        elif isinstance(kind, Nested):
            values[name] = parse_object(kind.item, value, _join(path, name), errors,
                                        strict=strict)
        else:
            try:
                values[name] = kind.parse(value)
            except Invalid as exc:
                errors.add(_join(path, name), exc.code, **exc.params)
                values[name] = kind.empty()
    return cls(**values)


@functools.lru_cache(maxsize=256)
def _specs(cls: type) -> dict[str, Any]:
    """Each field's name and parser, read once per schema class (every post parses them all)."""
    return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls)}


def _parse_list(kind: ListOf, raw: object, key: str, errors: Errors, *, strict: bool) -> list:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.add(key, "invalid_list")
        return []
    if len(raw) > kind.max_items:
        errors.add(key, "too_many", max=kind.max_items)
        raw = raw[: kind.max_items]
    if kind.required and not raw:
        errors.add(key, "required")
    return [
        parse_object(kind.item, item, _join(key, index), errors, strict=strict)
        for index, item in enumerate(raw)
    ]


# --- Addresses -----------------------------------------------------------------------------------


def normalise_phone(text: str) -> str:
    """E.164 (+358401234567); Finnish numbers may be written the Finnish way (040 123 4567)."""
    if len(text) > 32 or any(c.isalpha() for c in text):
        raise Invalid("invalid_phone")
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise Invalid("invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(text: str) -> str:
    """A syntactically valid address (no DNS look-up: no request leaves for someone's domain)."""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid("invalid_email") from None


def normalise_address(channel: str, text: str) -> str:
    if channel == "email":
        return normalise_email(text)
    if channel in PHONE_CHANNELS:
        return normalise_phone(text)
    return text


def _check_address(
    case: Any, errors: Errors, channel_field: str, address_field: str, *, primary: bool
) -> None:
    channel = getattr(case, channel_field)
    address = getattr(case, address_field)
    if errors.has(channel_field) or errors.has(address_field):
        return
    if channel in ("", "none"):
        if address and not primary:
            errors.add(channel_field, "required")
        elif primary:
            setattr(case, address_field, "")  # no contact wanted: keep no address
        return
    if not address:
        errors.add(address_field, "required")
        return
    try:
        setattr(case, address_field, normalise_address(channel, address))
    except Invalid as exc:
        errors.add(address_field, exc.code, **exc.params)


# --- The rules that span fields ------------------------------------------------------------------


def _check_common(case: Any, errors: Errors) -> None:
    _check_address(case, errors, "contact_channel", "contact_address", primary=True)
    _check_address(case, errors, "backup_channel", "backup_address", primary=False)
    for index, window in enumerate(case.contact_windows):
        key = f"contact_windows.{index}"
        ordered = not (window.start and window.end) or window.start < window.end
        if not ordered and not errors.under(key):
            errors.add(f"{key}.end", "time_order")
    if not case.interpreter_needed:
        case.interpreter_language = ""
    elif not case.interpreter_language and not errors.has("interpreter_language"):
        case.interpreter_language = case.language
    if case.consents is None:
        case.consents = _no_consents()
    if not case.consents.process and not errors.has("consents.process"):
        errors.add("consents.process", "consent_required")
    if case.contact_channel != "whatsapp":
        case.consents.whatsapp_answers = False  # asked only with WhatsApp as the way of contact


def _no_consents() -> Any:
    """The consents part with nothing consented to, built by the schema's own class."""
    consents = next(f for f in dataclasses.fields(case_input()) if f.name == "consents")
    return consents.metadata["spec"].item()


def _check_kind(case: Any, details: Any, errors: Errors) -> None:
    if case.kind == "tracing":
        if not case.consents.search and not errors.has("consents.search"):
            errors.add("consents.search", "consent_required")
    else:
        # Only a search has anyone to share a contact with.
        case.consents.search = False
        case.consents.share_contact = False
    if case.kind == "social_services" and not case.area:
        case.area = details.municipality
    _drop_unasked(case, details, errors)


def _drop_unasked(case: Any, details: Any, errors: Errors) -> None:
    """An answer to a question that was not to be asked (its condition is not met) is not kept:
    "how many children" without "children with you", say."""
    for question in questions.questions(case.kind):
        condition = question.shown_if
        if condition is None or not question.key.startswith("details.") or "*" in question.key:
            continue
        other = _answer(case, details, condition.key)
        if not isinstance(other, str) or other not in condition.values:
            setattr(details, question.name, question.parser.empty())
            errors.discard(question.key)  # "required" only where it is asked


def _answer(case: Any, details: Any, key: str) -> Any:
    if key.startswith("details."):
        return getattr(details, key.removeprefix("details."), None)
    value = getattr(case, key, None)
    return ("yes" if value else "") if isinstance(value, bool) else value


# --- The result ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@dataclass
class Submission:
    """A valid request, normalised: ready to become a case."""

    case: Any  # intake.schemas.case_input()
    details: Any

    @property
    def kind(self) -> str:
        return self.case.kind

    def columns(self) -> dict[str, Any]:
        """The Case columns it fills."""
        c = self.case
        return {
            "kind": c.kind,
            "language": c.language,
            "name": c.name,
            "contact_channel": c.contact_channel,
            "contact_address": c.contact_address,
            "may_leave_message": c.may_leave_message,
            "contact_windows": [dataclasses.asdict(w) for w in c.contact_windows],
            "backup_channel": c.backup_channel,
            "backup_address": c.backup_address,
            "area": c.area,
            "interpreter_needed": c.interpreter_needed,
            "interpreter_language": c.interpreter_language,
            "message": c.message,
        }

    def details_json(self) -> dict[str, Any]:
        """Case.details: every kind-specific answer, dates as ISO text."""
        return _jsonable(dataclasses.asdict(self.details))

    def consent_purposes(self) -> list[str]:
        consents = self.case.consents
        names = ("process", "search", "share_contact", "whatsapp_answers")
        return [name for name in names if getattr(consents, name)]

    def notification_locale(self, page_locale: str) -> str:
        return self.case.language if self.case.language in LANGUAGES else page_locale

    def fingerprint(self, file_digests: Iterable[str] = ()) -> str:
        """The same request sent twice has the same fingerprint, however it was spelt."""
        body = {
            "columns": self.columns(),
            "details": self.details_json(),
            "consents": self.consent_purposes(),
            "files": sorted(file_digests),
        }
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Result:
    submission: Submission | None
    errors: Errors

    @property
    def ok(self) -> bool:
        return self.submission is not None


def validate(payload: object, *, strict: bool = False) -> Result:
    """Validate a request; `strict` refuses unknown members (the API does, the form need not)."""
    errors = Errors()
    if not isinstance(payload, Mapping):
        errors.add("", "invalid_object")
        return Result(None, errors)
    case = parse_object(case_input(), payload, "", errors, strict=strict, skip={"details"})
    details_cls = details_schema(case.kind)
    details = None
    if details_cls is not None:
        details = parse_object(
            details_cls, payload.get("details"), "details", errors, strict=strict
        )
    _check_common(case, errors)
    if details is not None:
        _check_kind(case, details, errors)
    if errors or details is None:
        return Result(None, errors)
    return Result(Submission(case, details), errors)
