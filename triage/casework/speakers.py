"""Language first: who speaks the client's language, and what happens when the team has nobody.

Routing keeps the case in its team; when no advisor of the team speaks the client's language the
case is marked "no speaker in team" (a `LanguageGap` row: the board's "needs an interpreter") and
the case page offers the speakers of other teams, one click each. Giving the case to one of them
moves it to the speaker's team (so she can open it) and records why in the history. The
supervisors' language pool (`language_pool`) comes before them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import Session, col

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


def mark(
    session: Session, case: Case, language: str, team_id: int | None, missing: bool,
    *, new: bool = False,
) -> None:
    """Keep the case's "no speaker in team" mark in step with the latest decision. `new`: the
    case was created in this transaction, so it has no mark to look for."""
    gap = None if new else session.get(LanguageGap, pk(case))
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
    open_cases: int = 0
    pool: bool = False  # named for the language in the supervisors' language pool


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


# Why the case went to someone outside the team's speakers (the history and the audit say it).
NO_SPEAKER_IN_TEAM = "no_speaker_in_team"  # an advisor of another team who lists the language
LANGUAGE_POOL = "language_pool"  # someone a supervisor named for the language


def _may_take(speaker: StaffUser | None, team_id: int, language: str, pooled: bool) -> bool:
    if speaker is None or not speaker.is_active or team_id not in speaker.team_ids:
        return False
    if pooled:  # named by a supervisor: any role that takes cases
        return speaker.has_role("advisor", "supervisor")
    return speaker.has_role("advisor") and language in (speaker.languages or ())


def give_to_speaker(session: Session, case: Case, actor: StaffUser, user_id: int, team_id: int,
                    pooled: bool = False) -> tuple[StaffUser, str]:
    """The one click: the case moves to the speaker's team and is hers; the reason is recorded
    and returned. `pooled`: she is in the language pool of the client's language.

    The caller holds the case (`actions._take`) and has checked the actor may act on it.
    """
    from triage.casework.actions import NotAllowed

    language = client_language(case)
    speaker = session.get(StaffUser, user_id)
    team = session.get(Team, team_id)
    if team is None or speaker is None or not _may_take(speaker, team_id, language, pooled):
        raise NotAllowed("not_a_speaker")
    reason = LANGUAGE_POOL if pooled else NO_SPEAKER_IN_TEAM
    from_team = session.get(Team, case.team_id) if case.team_id else None
    case.team_id, case.assignee_id = team_id, pk(speaker)
    clear(session, pk(case))
    history.add(session, case, "speaker_assigned", actor.id, {
        "reason": reason, "language": language, "assignee_id": pk(speaker),
        "team_id": team_id, "team_name": team.name,
        "from_team_name": from_team.name if from_team else "",
    })
    return speaker, reason
