"""Routing against the database: the rules table, team members and their open load."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from intake import lifecycle
from intake.lifecycle import State
from intake.models import Case
from triage.accounts.models import StaffUser, Team, TeamMembership
from triage.casework import config_cache, history, language_pool, speakers
from triage.casework.loads import open_loads
from triage.casework.models import RoutingRule
from triage.casework.routing import (
    Assignment,
    Candidate,
    Rule,
    choose_assignee,
    choose_rule,
    decision_data,
    normalise_area,
)
from yhteys.db import pk

# The states routing may move (a case waiting for the client or closed keeps its state).
ROUTABLE_STATES = frozenset({State.NEW, State.ASSIGNED, State.IN_PROGRESS})


def rules(session: Session) -> list[Rule]:
    return list(config_cache.cached(session, "routing_rules", _load_rules))


def _load_rules(session: Session) -> tuple[Rule, ...]:
    return tuple(
        Rule(id=pk(r), team_id=r.team_id, kind=r.kind, language=r.language, area=r.area)
        for r in session.scalars(select(RoutingRule))
    )


def team_members(session: Session, team_id: int) -> list[StaffUser]:
    query = (
        select(StaffUser)
        .join(TeamMembership, col(TeamMembership.user_id) == col(StaffUser.id))
        .where(col(TeamMembership.team_id) == team_id, col(StaffUser.is_active).is_(True))
        .order_by(col(StaffUser.id))
    )
    return list(session.scalars(query))


def candidates(session: Session, team_id: int) -> list[Candidate]:
    """Advisors of the team who can take cases, with their open load. The languages a
    supervisor named them for in the language pool count as theirs."""
    members = [m for m in team_members(session, team_id) if m.has_role("advisor")]
    ids = [pk(m) for m in members]
    loads, pooled = open_loads(session, ids), language_pool.languages_of(session, ids)
    return [
        Candidate(id=pk(m), name=m.label,
                  languages=tuple(dict.fromkeys([*(m.languages or ()), *pooled.get(pk(m), ())])),
                  open_cases=loads.get(pk(m), 0))
        for m in members
    ]


def assign_within(session: Session, case: Case, team: Team) -> Assignment:
    """The team's choice in the client's language; `details["no_speaker"]` when nobody of the
    team's advisors speaks it (whether or not the team assigns by itself)."""
    people = candidates(session, pk(team))
    language = speakers.client_language(case)
    assignment = choose_assignee(people, language=language, auto_assign=team.auto_assign)
    assignment.details["no_speaker"] = speakers.needs_speaker(
        language, [c.languages for c in people])
    return assignment


def settle_language(
    session: Session, case: Case, assignment: Assignment, *, new: bool = False
) -> None:
    """Mark or clear "no speaker in team" after a team was chosen for the case."""
    speakers.mark(session, case, speakers.client_language(case), case.team_id,
                  bool(assignment.details.get("no_speaker")), new=new)


def route(session: Session, case: Case, actor: StaffUser | None = None) -> dict[str, Any]:
    """Choose the case's team and maybe its advisor; record the decision with its reason.

    The state follows: with an advisor the case is `assigned`, without one `new`. `actor` is
    the supervisor who asked to route again; None is the system routing a case that arrived.
    """
    data, assignment = decide(session, case, actor)
    settle_language(session, case, assignment)
    return data


def decide(
    session: Session, case: Case, actor: StaffUser | None = None
) -> tuple[dict[str, Any], Assignment]:
    """`route` but for the language mark, which needs the case's id: a case arriving is decided
    before it is stored (triage.casework.arrival), and marked once it is."""
    rule = choose_rule(
        rules(session), kind=case.kind, language=case.language, area=normalise_area(case.area)
    )
    team = session.get(Team, rule.team_id) if rule else None
    assignment = assign_within(session, case, team) if team else Assignment(None, "nobody")
    data = decision_data(
        rule=rule if team else None,
        team_name=team.name if team else "",
        assignment=assignment,
        kind=case.kind,
        language=speakers.client_language(case),
        area=case.area,
    )
    case.team_id = team.id if team else None
    case.assignee_id = assignment.assignee.id if assignment.assignee else None
    history.add(session, case, "routed", None, data)
    target = State.ASSIGNED if case.assignee_id is not None else State.NEW
    if case.state in ROUTABLE_STATES:  # the move comes after the decision that explains it
        lifecycle.transition(
            session, case, target, actor_id=actor.id if actor else None,
            actor_kind=lifecycle.STAFF if actor else lifecycle.SYSTEM,
        )
    return data, assignment
