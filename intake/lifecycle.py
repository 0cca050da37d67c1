"""A case's life: its states, the moves between them, and the first response. The one home.

Nothing else writes `case.state` (tests/intake/test_lifecycle.py walks the code to keep it so):
every change goes through `transition`, which checks the move against `TRANSITIONS`, sets the
timestamps that belong to it and announces it (`intake.events.case_transitioned`). The history
row and the SLA clock are triage's: its subscribed handler writes the `state` history row and
moves the clock in the same transaction. A move with nobody subscribed is refused, so a state
change can never happen without its history.

First response, defined once: an advisor's reply to the client or a logged call to the client.
An internal note is not one (the client hears nothing). `record_first_response` stamps the
moment; triage's handler stores its business-hours duration, because the business calendar
lives in triage and intake may not import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from intake import events
from yhteys.clock import as_utc, now

if TYPE_CHECKING:
    from sqlmodel import Session

    from intake.models import Case


class State(StrEnum):
    NEW = "new"  # in the team's queue, nobody has it
    ASSIGNED = "assigned"  # someone has it, not started
    IN_PROGRESS = "in_progress"
    WAITING_CLIENT = "waiting_client"  # the SLA clock stops
    CLOSED = "closed"  # the SLA clock stops; an outcome is set


STATES: tuple[str, ...] = tuple(s.value for s in State)
INITIAL = State.NEW

ActorKind = Literal["staff", "client", "system"]
STAFF: ActorKind = "staff"
CLIENT: ActorKind = "client"
SYSTEM: ActorKind = "system"
ACTOR_KINDS = (STAFF, CLIENT, SYSTEM)

_S, _C, _Y = frozenset({STAFF}), frozenset({STAFF, CLIENT}), frozenset({STAFF, SYSTEM})
N, A, P, W, X = State  # table shorthand: New, Assigned, in Progress, Waiting, closed (X)

# from-state → to-state → who may make the move. Staff may make any move (the case page offers
# every working state, and reopening is moving a closed case back); the client's message only
# wakes a waiting or closed case; the system only routes a new case to an advisor and closes a
# case nobody has touched for INACTIVE_DAYS (triage.retention).
TRANSITIONS: Mapping[State, Mapping[State, frozenset[str]]] = MappingProxyType({
    N: MappingProxyType({A: _Y, P: _S, W: _S, X: _Y}),
    A: MappingProxyType({N: _S, P: _S, W: _S, X: _Y}),
    P: MappingProxyType({N: _S, A: _S, W: _S, X: _Y}),
    W: MappingProxyType({N: _C, A: _S, P: _C, X: _Y}),
    X: MappingProxyType({N: _C, A: _S, P: _C, W: _S}),
})
del N, A, P, W, X

FIRST_RESPONSE_KINDS = ("reply", "call")


class IllegalTransition(ValueError):
    """The move is not in TRANSITIONS for this kind of actor."""

    def __init__(self, from_state: str, to_state: str, actor_kind: str) -> None:
        super().__init__(
            f"a case cannot move from {from_state!r} to {to_state!r} by {actor_kind!r}"
        )
        self.from_state, self.to_state, self.actor_kind = from_state, to_state, actor_kind


class NotWired(RuntimeError):
    """Nobody listens to transitions: the history row would be lost."""


@dataclass(frozen=True)
class Transition:
    """One move, as announced to the subscribers (who write history and move the clock)."""

    from_state: State
    to_state: State
    actor_id: int | None
    actor_kind: str
    reason: str
    at: datetime

    @property
    def reopened(self) -> bool:
        return self.from_state is State.CLOSED


@dataclass(frozen=True)
class FirstResponse:
    kind: str
    actor_id: int | None
    at: datetime


def allowed(from_state: str, to_state: str, actor_kind: str) -> bool:
    moves = TRANSITIONS.get(State(from_state), {})
    return actor_kind in moves.get(State(to_state), frozenset())


def transition(
    session: Session,
    case: Case,
    to_state: str,
    *,
    actor_id: int | None,
    actor_kind: str,
    reason: str = "",
    at: datetime | None = None,
) -> Transition | None:
    """Move the case to `to_state`; None when it is there already (not a move, nothing written).

    Raises IllegalTransition for a move the table does not allow to this kind of actor.
    """
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {actor_kind!r}")
    old, new = State(case.state), State(to_state)
    if old is new:
        return None
    if not allowed(old, new, actor_kind):
        raise IllegalTransition(old, new, actor_kind)
    events.require_transition_handlers()
    at = as_utc(at) if at is not None else now()
    case.state = new.value
    _stamp(case, old, new, at)
    change = Transition(old, new, actor_id, actor_kind, reason, at)
    events.case_transitioned(session, case, change)
    return change


def _stamp(case: Case, old: State, new: State, at: datetime) -> None:
    case.updated_at = at
    if new is State.WAITING_CLIENT:
        case.waiting_since = at
    elif old is State.WAITING_CLIENT:
        case.waiting_since = None
    if new is State.CLOSED:
        case.closed_at = at
    elif old is State.CLOSED:  # reopened: the outcome was the closed case's, not this one's
        case.closed_at, case.outcome, case.reopened_at = None, "", at


def record_first_response(
    session: Session,
    case: Case,
    *,
    kind: str,
    actor_id: int | None,
    at: datetime | None = None,
) -> FirstResponse | None:
    """Stamp the case's first response, once; None when it had one already.

    `kind` is "reply" (a message to the client) or "call" (a logged call to the client). A note
    is not a first response, and asking for one is a programming error (ValueError).
    """
    if kind not in FIRST_RESPONSE_KINDS:
        raise ValueError(f"{kind!r} is not a first response (only {FIRST_RESPONSE_KINDS})")
    if case.first_response_at is not None:
        return None
    events.require_transition_handlers()
    at = as_utc(at) if at is not None else now()
    case.first_response_at = at
    case.updated_at = at
    response = FirstResponse(kind, actor_id, at)
    events.first_response_given(session, case, response)
    return response
