"""How urgent a new case is, read from its own answers (Case.details), with the reasons.

Signals are pure functions of the answers and today's date; the family-reunification thresholds
are configuration (`casework_setting`) that supervisors edit. Staff can always change the
priority afterwards; the reasons stay visible.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from intake import questions
from triage.casework import config_cache
from triage.casework.models import CaseworkSetting
from yhteys.clock import now

# Whose family may apply without the income requirement within the window after the decision:
# supervisors choose, since the law changes. The default follows the rule cited below (refugee
# status and quota refugees; subsidiary protection no longer since the 2016 amendment) and is for
# the society's lawyer to check.
FR_STATUSES = ("refugee_status", "quota_refugee", "subsidiary_protection")
STATUS_KEYS = tuple(f"fr_{status}" for status in FR_STATUSES)
RULE_SOURCE = "Aliens Act (301/2004) s. 114(4), as amended by Act 505/2016"
RULE_DATE = date(2016, 7, 1)  # in force from
# A negative decision may be appealed to the administrative court within 30 days of its service:
# the period too is the supervisors' to change, and for the society's lawyer to check.
APPEAL_SOURCE = "Administrative Judicial Procedure Act (808/2019) s. 13"
APPEAL_DATE = date(2020, 1, 1)  # in force from
RANK = {"urgent": 0, "high": 1, "normal": 2}


@dataclass(frozen=True)
class UrgencyConfig:
    fr_window_months: int = 3  # the window after the sponsor's decision
    fr_urgent_days: int = 30  # fewer days left than this: urgent
    fr_high_days: int = 60  # fewer days left than this: high
    fr_appeal_days: int = 30  # the appeal period from the service of a negative decision
    fr_refugee_status: int = 1  # 1: this sponsor status qualifies for the window
    fr_quota_refugee: int = 1
    fr_subsidiary_protection: int = 0

    def qualifying_statuses(self) -> frozenset[str]:
        return frozenset(s for s in FR_STATUSES if getattr(self, f"fr_{s}"))


SETTINGS = {
    "fr_window_months": (1, 24),
    "fr_urgent_days": (1, 365),
    "fr_high_days": (1, 365),
    "fr_appeal_days": (1, 365),
} | {key: (0, 1) for key in STATUS_KEYS}


def load_config(session: Session) -> UrgencyConfig:
    return config_cache.cached(session, "urgency", _read_config)


def _read_config(session: Session) -> UrgencyConfig:
    values = {
        row.key: row.value
        for row in session.scalars(select(CaseworkSetting))
        if row.key in SETTINGS
    }
    return UrgencyConfig(**values)


def save_config(session: Session, values: Mapping[str, int], actor_id: int) -> UrgencyConfig:
    for key, value in values.items():
        low, high = SETTINGS[key]
        if not low <= value <= high:
            raise ValueError(key)
    merged = asdict(_read_config(session)) | dict(values)  # never a cached copy
    if merged["fr_urgent_days"] > merged["fr_high_days"]:
        raise ValueError("fr_urgent_days")
    for key, value in values.items():
        row = session.get(CaseworkSetting, key) or CaseworkSetting(key=key, value=value)
        row.value, row.updated_at, row.updated_by = value, now(), actor_id
        session.add(row)
    return UrgencyConfig(**merged)


@dataclass(frozen=True)
class Signal:
    code: str
    priority: str  # urgent | high; normal: for the advisor to know, raising nothing
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    priority: str
    signals: tuple[Signal, ...]

    def as_data(self) -> list[dict[str, Any]]:
        return [{"code": s.code, "priority": s.priority, "params": s.params} for s in self.signals]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _age(person: Mapping[str, Any], today: date) -> int | None:
    born = _date(person.get("birth_date"))
    if born is not None:
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    age = person.get("approximate_age")
    return age if isinstance(age, int) and not isinstance(age, bool) else None


def _by_days_left(code: str, deadline: date, today: date, cfg: UrgencyConfig) -> list[Signal]:
    """A deadline's signal: urgent or high by the days left, as the thresholds say."""
    left = (deadline - today).days
    params = {"deadline": deadline.isoformat(), "days_left": left}
    if 0 <= left < cfg.fr_urgent_days:
        return [Signal(code, "urgent", params)]
    if 0 <= left < cfg.fr_high_days:
        return [Signal(code, "high", params)]
    return []


def _appeal(d: Mapping[str, Any], today: date, cfg: UrgencyConfig) -> list[Signal]:
    """The appeal period of a negative decision; once past, said for the advisor, not raised."""
    decided = _date(d.get("negative_decision_date"))
    if decided is None:
        return []
    deadline = decided + timedelta(days=cfg.fr_appeal_days)
    if deadline < today:
        return [Signal("fr_appeal_passed", "normal", {"deadline": deadline.isoformat()})]
    return _by_days_left("fr_appeal_deadline", deadline, today, cfg)


def _member_age(member: Mapping[str, Any], today: date) -> int | None:
    return _age({"birth_date": member.get("birth_date"), "approximate_age": member.get("age")},
                today)


def _family_reunification(d: Mapping[str, Any], today: date, cfg: UrgencyConfig) -> list[Signal]:
    found: list[Signal] = []
    children = [
        m for m in d.get("members") or []
        if isinstance(m, Mapping) and (age := _member_age(m, today)) is not None and age < 18
    ]
    if children:
        found.append(Signal("children_abroad", "high", {"count": len(children)}))
    decided = _date(d.get("decision_date"))
    if (
        decided is not None
        and d.get("sponsor_status") in cfg.qualifying_statuses()
        and d.get("stage") in ("not_applied", "", None)
    ):
        found += _by_days_left(
            "fr_deadline", add_months(decided, cfg.fr_window_months), today, cfg)
    return found + _appeal(d, today, cfg)


def _tracing(d: Mapping[str, Any], today: date) -> list[Signal]:
    found: list[Signal] = []
    for number, person in enumerate(d.get("persons") or [], start=1):
        if not isinstance(person, Mapping):
            continue
        age = _age(person, today)
        if age is not None and age < 18:
            found.append(Signal("sought_minor", "urgent", {"person": number, "age": age}))
        elif person.get("minor_when_separated") == "yes":
            found.append(Signal("separated_as_minor", "urgent", {"person": number}))
    return found


def _plain(kind: str, d: Mapping[str, Any]) -> list[Signal]:
    """The signals the questions declare as "this answer is that value" (intake.questions)."""
    found: list[Signal] = []
    for question, urgency in questions.urgency_signals(kind):
        value = d.get(question.name)
        if value == urgency.when and type(value) is type(urgency.when):
            found.append(Signal(urgency.code, urgency.priority))
    return found


def assess(
    kind: str, details: Mapping[str, Any] | None, today: date, config: UrgencyConfig
) -> Assessment:
    details = details if isinstance(details, Mapping) else {}
    signals = _plain(kind, details)
    if kind == "family_reunification":
        signals += _family_reunification(details, today, config)
    elif kind == "tracing":
        signals += _tracing(details, today)
    priority = min((s.priority for s in signals), key=RANK.__getitem__, default="normal")
    return Assessment(priority, tuple(signals))
