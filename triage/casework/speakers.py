"""Language first: who speaks the client's language, and what happens when the team has nobody.

Routing keeps the case in its team; when no advisor of the team speaks the client's language the
case is marked "no speaker in team" (a `LanguageGap` row: the board's "needs an interpreter") and
the case page offers the speakers of other teams, one click each. Giving the case to one of them
moves it to the speaker's team (so she can open it) and records why in the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import Session, col
from starlette.requests import Request

from intake.models import Case
from triage.accounts.models import StaffUser, Team
from triage.casework import history
from triage.casework.models import LanguageGap
from yhteys.db import pk

# Every advisor works in Finnish: a Finnish-speaking client never needs a speaker from elsewhere,
# whatever languages an advisor happened to list.
WORKING_LANGUAGES = frozenset({"fi"})


def client_language(case: Case) -> str:
    """The language to answer her in: the interpreter's language she asked for, else her own."""
    if case.interpreter_needed and case.interpreter_language:
        return case.interpreter_language
    return case.language


def speaks(user: StaffUser, language: str) -> bool:
    return language in WORKING_LANGUAGES or language in (user.languages or ())


def needs_speaker(language: str, team_languages: list[tuple[str, ...]]) -> bool:
    """True when nobody of the team (their language lists given) speaks `language`."""
    if not language or language in WORKING_LANGUAGES:
        return False
    return not any(language in spoken for spoken in team_languages)


def mark(session: Session, case: Case, language: str, team_id: int | None, missing: bool) -> None:
    """Keep the case's "no speaker in team" mark in step with the latest decision."""
    gap = session.get(LanguageGap, pk(case))
    if missing and gap is None:
        session.add(LanguageGap(case_id=pk(case), language=language, team_id=team_id))
    elif missing and gap is not None:
        gap.language, gap.team_id = language, team_id
    elif gap is not None:
        session.delete(gap)


def clear(session: Session, case_id: int) -> None:
    session.execute(delete(LanguageGap).where(col(LanguageGap.case_id) == case_id))


def gap_of(session: Session, case_id: int) -> LanguageGap | None:
    return session.get(LanguageGap, case_id)


@dataclass(frozen=True)
class Offer:
    user_id: int
    name: str
    team_id: int
    team_name: str


def offers(session: Session, case: Case, language: str) -> list[Offer]:
    """Active advisors outside the case's team who speak `language`, one row per team of theirs."""
    people = session.scalars(
        select(StaffUser).where(col(StaffUser.is_active).is_(True)).order_by(col(StaffUser.id)))
    found = []
    for person in people:
        if not person.has_role("advisor") or language not in (person.languages or ()):
            continue
        for team in sorted(person.teams, key=lambda t: t.name):
            if team.id is not None and team.id != case.team_id:
                found.append(Offer(pk(person), person.label, team.id, team.name))
    return found


def give_to_speaker(session: Session, case: Case, actor: StaffUser, user_id: int, team_id: int,
                    request: Request | None = None) -> StaffUser:
    """The one click: the case moves to the speaker's team and is hers; the reason is recorded.

    The caller holds the case (`actions._take`) and has checked the actor may act on it.
    """
    from triage.casework.actions import NotAllowed

    language = client_language(case)
    speaker = session.get(StaffUser, user_id)
    team = session.get(Team, team_id)
    if (speaker is None or team is None or not speaker.is_active
            or not speaker.has_role("advisor") or team_id not in speaker.team_ids
            or language not in (speaker.languages or ())):
        raise NotAllowed("not_a_speaker")
    from_team = session.get(Team, case.team_id) if case.team_id else None
    case.team_id, case.assignee_id = team_id, pk(speaker)
    clear(session, pk(case))
    history.add(session, case, "speaker_assigned", actor.id, {
        "reason": "no_speaker_in_team", "language": language, "assignee_id": pk(speaker),
        "team_id": team_id, "team_name": team.name,
        "from_team_name": from_team.name if from_team else "",
    })
    return speaker
