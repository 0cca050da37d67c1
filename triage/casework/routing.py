"""Which team gets a case, and who in the team: pure decisions with their reasons.

A rule names any of kind, language and area (blank means any) and a team. The most specific
matching rule wins: more named fields first; on a tie kind counts more than language, language
more than area; then the oldest rule. The rule with nothing named is the default.
Within a team, auto-assignment prefers people who speak the client's language and, among them,
the one with the fewest open cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from intake import municipalities


def normalise_area(area: str) -> str:
    """A municipality by its code, whichever name or spelling case was typed ("Vanda" and
    "vantaa" are both 092); any other area by its case- and spacing-insensitive text."""
    found = municipalities.find(area)
    return found.code if found is not None else " ".join(area.split()).casefold()


@dataclass(frozen=True)
class Rule:
    id: int
    team_id: int
    kind: str = ""
    language: str = ""
    area: str = ""

    def matches(self, kind: str, language: str, area: str) -> bool:
        return (
            (not self.kind or self.kind == kind)
            and (not self.language or self.language == language)
            and (not self.area or normalise_area(self.area) == normalise_area(area))
        )

    @property
    def named(self) -> tuple[str, ...]:
        """The fields this rule names, most significant first."""
        return tuple(
            name for name, value in (("kind", self.kind), ("language", self.language),
                                     ("area", self.area)) if value
        )

    def specificity(self) -> tuple[int, int, int]:
        weight = 4 * bool(self.kind) + 2 * bool(self.language) + bool(self.area)
        return (len(self.named), weight, -self.id)


def choose_rule(rules: Iterable[Rule], *, kind: str, language: str, area: str) -> Rule | None:
    matching = [rule for rule in rules if rule.matches(kind, language, area)]
    if not matching:
        return None
    return max(matching, key=Rule.specificity)


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    languages: tuple[str, ...]
    open_cases: int


@dataclass
class Assignment:
    """The outcome of assigning within a team, with what the reason says."""

    assignee: Candidate | None
    mode: str  # auto | manual (team claims by hand) | nobody (no available member)
    speaks: bool = False  # the assignee speaks the client's language
    details: dict[str, Any] = field(default_factory=dict)


def choose_assignee(
    candidates: Sequence[Candidate], *, language: str, auto_assign: bool
) -> Assignment:
    if not auto_assign:
        return Assignment(None, "manual")
    if not candidates:
        return Assignment(None, "nobody")
    speakers = [c for c in candidates if language and language in c.languages]
    pool = speakers or list(candidates)
    chosen = min(pool, key=lambda c: (c.open_cases, c.id))
    return Assignment(chosen, "auto", speaks=bool(speakers))


def decision_data(
    *,
    rule: Rule | None,
    team_name: str,
    assignment: Assignment,
    kind: str,
    language: str,
    area: str,
) -> dict[str, Any]:
    """What a routing decision stores, so its reason can be shown in any staff language later."""
    data: dict[str, Any] = {
        "rule_id": rule.id if rule else None,
        "matched": {name: {"kind": kind, "language": language, "area": area}[name]
                    for name in (rule.named if rule else ())},
        "team_id": rule.team_id if rule else None,
        "team_name": team_name,
        "mode": assignment.mode,
        "language": language,
        **assignment.details,
    }
    if assignment.assignee is not None:
        data.update(
            assignee_id=assignment.assignee.id,
            assignee_name=assignment.assignee.name,
            speaks=assignment.speaks,
            open_cases=assignment.assignee.open_cases,
        )
    return data
