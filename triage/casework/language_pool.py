"""The language pool: who a supervisor names for a language, whatever their team.

For a language no team has a speaker of (Tigrinya, say) a supervisor names staff members who
speak it (from any team) and interpreters on call. When the case's team has nobody who speaks the
client's language, the case page offers the pool's staff members first; interpreters are listed
with how to book them (they have no account, so no case is given to one).

A pool member of a team counts as a speaker of the language in that team: routing prefers her,
and the case is not marked "no speaker in team".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlmodel import Session, col

from intake.models import Case
from triage.accounts.models import StaffUser
from triage.casework.loads import open_loads
from triage.casework.models import LanguageGap, LanguagePoolMember
from triage.casework.speakers import WORKING_LANGUAGES, Offer
from triage.casework.speakers import offers as other_teams
from yhteys.clock import now
from yhteys.db import pk
from yhteys.i18n import INTERPRETER_LANGUAGES

NAME_MAX = 120
CONTACT_MAX = 200
# The roles that take cases: only these can be given one from the pool.
TAKES_CASES = ("advisor", "supervisor")


class PoolError(ValueError):
    """A pool change that cannot be made; `field` names the form field, `code` the reason."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field, self.code = field, code


def languages() -> dict[str, str]:
    """The languages a pool can be named for: every one but those all advisors work in."""
    return {code: name for code, name in INTERPRETER_LANGUAGES.items()
            if code not in WORKING_LANGUAGES}


def can_be_offered(user: StaffUser) -> bool:
    """An account that can be given a case: active, taking cases, in some team."""
    return user.is_active and user.has_role(*TAKES_CASES) and bool(user.team_ids)


def languages_of(session: Session, user_ids: list[int]) -> dict[int, frozenset[str]]:
    """The languages each of these staff members is named for in the pool."""
    if not user_ids:
        return {}
    found: dict[int, set[str]] = defaultdict(set)
    query = select(col(LanguagePoolMember.user_id), col(LanguagePoolMember.language)).where(
        col(LanguagePoolMember.user_id).in_(user_ids))
    for user_id, language in session.execute(query):
        found[int(user_id)].add(language)
    return {user_id: frozenset(languages) for user_id, languages in found.items()}


def is_member(session: Session, language: str, user_id: int | None) -> bool:
    if user_id is None:
        return False
    query = select(col(LanguagePoolMember.id)).where(
        col(LanguagePoolMember.language) == language, col(LanguagePoolMember.user_id) == user_id)
    return session.scalars(query).first() is not None


def staff(session: Session, language: str) -> list[StaffUser]:
    """The pool's staff members for `language` who can be given a case, in the order named."""
    query = (
        select(StaffUser)
        .join(LanguagePoolMember, col(LanguagePoolMember.user_id) == col(StaffUser.id))
        .where(col(LanguagePoolMember.language) == language)
        .order_by(col(LanguagePoolMember.id))
    )
    return [user for user in session.scalars(query) if can_be_offered(user)]


def interpreters(session: Session, language: str) -> list[LanguagePoolMember]:
    query = select(LanguagePoolMember).where(
        col(LanguagePoolMember.language) == language, col(LanguagePoolMember.user_id).is_(None)
    ).order_by(col(LanguagePoolMember.interpreter_name), col(LanguagePoolMember.id))
    return list(session.scalars(query))


def offers(session: Session, case: Case, language: str) -> list[Offer]:
    """Who the case page offers when the team has no speaker: the pool's staff members first
    (each in every team of theirs; the case's own team, then the least loaded, first), then the
    speakers of other teams; each with their open load."""
    pool = [
        Offer(pk(user), user.label, team.id, team.name, pool=True)
        for user in staff(session, language)
        for team in sorted(user.teams, key=lambda t: t.name) if team.id is not None
    ]
    pooled = {(o.user_id, o.team_id) for o in pool}
    others = [o for o in other_teams(session, case, language)
              if (o.user_id, o.team_id) not in pooled]
    loads = open_loads(session, sorted({o.user_id for o in pool + others}))
    pool = sorted((replace(o, open_cases=loads.get(o.user_id, 0)) for o in pool),
                  key=lambda o: (o.team_id != case.team_id, o.open_cases))
    return pool + [replace(o, open_cases=loads.get(o.user_id, 0)) for o in others]


# --- The supervisors' page ----------------------------------------------------------------------


@dataclass
class Pool:
    """One language of the page: its members and the open cases waiting for a speaker of it."""

    language: str
    staff: list[tuple[LanguagePoolMember, StaffUser]] = field(default_factory=list)
    interpreters: list[LanguagePoolMember] = field(default_factory=list)
    waiting: int = 0


def listing(session: Session, language_order: list[str]) -> list[Pool]:
    """Every language with a member or a case marked "no speaker in team", in the given order."""
    pools: dict[str, Pool] = {}
    rows = session.execute(
        select(LanguagePoolMember, StaffUser)
        .outerjoin(StaffUser, col(StaffUser.id) == col(LanguagePoolMember.user_id))
        .order_by(col(LanguagePoolMember.id)))
    for member, user in rows:
        pool = pools.setdefault(member.language, Pool(member.language))
        if user is not None:
            pool.staff.append((member, user))
        elif not member.user_id:
            pool.interpreters.append(member)
    waiting = select(col(LanguageGap.language), func.count()).group_by(col(LanguageGap.language))
    for language, count in session.execute(waiting):
        pools.setdefault(language, Pool(language)).waiting = int(count)
    rank = {code: i for i, code in enumerate(language_order)}
    return sorted(pools.values(), key=lambda p: (rank.get(p.language, len(rank)), p.language))


def _check_language(language: str) -> None:
    if language not in languages():
        raise PoolError("language", "language")


def add_staff(session: Session, language: str, user_id: int | None,
              actor_id: int) -> LanguagePoolMember:
    _check_language(language)
    user = session.get(StaffUser, user_id) if user_id else None
    if user is None:
        raise PoolError("user", "choose_staff")
    if not can_be_offered(user):
        raise PoolError("user", "cannot_take")
    if is_member(session, language, pk(user)):
        raise PoolError("user", "already")
    member = LanguagePoolMember(language=language, user_id=pk(user), added_by=actor_id,
                                added_at=now())
    session.add(member)
    session.flush()
    return member


def add_interpreter(session: Session, language: str, name: str, contact: str,
                    actor_id: int) -> LanguagePoolMember:
    _check_language(language)
    name, contact = " ".join(name.split()), " ".join(contact.split())
    if not name or len(name) > NAME_MAX:
        raise PoolError("name", "name")
    if not contact or len(contact) > CONTACT_MAX:
        raise PoolError("contact", "contact")
    if any(i.interpreter_name.casefold() == name.casefold()
           for i in interpreters(session, language)):
        raise PoolError("name", "already")
    member = LanguagePoolMember(language=language, interpreter_name=name,
                                interpreter_contact=contact, added_by=actor_id, added_at=now())
    session.add(member)
    session.flush()
    return member


def remove(session: Session, member_id: int) -> LanguagePoolMember | None:
    member = session.get(LanguagePoolMember, member_id)
    if member is not None:
        session.delete(member)
        session.flush()
    return member
