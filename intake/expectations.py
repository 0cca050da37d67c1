"""When she may expect an answer, said on the confirmation and the status page.

From the SLA target of her case's priority and its due time on the business calendar. Both belong
to triage, which intake may not import: triage provides them (`provide`, wired by
`triage.hooks.register`), and without a provider nothing is promised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from intake.hours.texts import day_text
from yhteys.clock import HELSINKI, as_utc, local_now
from yhteys.i18n import gettext as _
from yhteys.i18n import ngettext

if TYPE_CHECKING:
    from sqlmodel import Session

    from intake.models import Case

STOPPED = frozenset({"waiting_client", "closed"})  # nobody owes her a first answer now


@dataclass(frozen=True)
class Expectation:
    """The first-response target in working hours or days, and the day it falls due."""

    unit: str  # "hours" | "days"
    count: int
    by: date | None = None  # the local day of her case's first-response due time

    def sentences(self) -> list[str]:
        if self.unit == "hours":
            usual = ngettext("An advisor usually answers within %(num)s working hour.",
                             "An advisor usually answers within %(num)s working hours.",
                             self.count)
        else:
            usual = ngettext("An advisor usually answers within %(num)s working day.",
                             "An advisor usually answers within %(num)s working days.",
                             self.count)
        today = local_now().date()
        if self.by is None or self.by < today:
            return [usual]
        if self.by == today:
            return [usual, _("Expect an answer today.")]
        return [usual, _("Expect an answer by %(day)s.", day=day_text(self.by))]


Provider = Callable[["Session", "Case"], Expectation | None]
_providers: list[Provider] = []


def provide(provider: Provider) -> Provider:
    """Set who knows the targets and the calendar (once; configuring twice changes nothing)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_case(session: Session, case: Case) -> Expectation | None:
    """What to tell her about her case now; None once answered, while it waits for her, when
    closed, or when nobody provides the targets."""
    if case.first_response_at is not None or case.state in STOPPED or not _providers:
        return None
    return _providers[0](session, case)


def due_day(case: Case) -> date | None:
    due = case.first_response_due_at
    return as_utc(due).astimezone(HELSINKI).date() if due is not None else None
