"""What happens to a case on the public side, for the packages that react to it.

`intake` may not import `triage`, yet a new case must be routed in the same transaction that
saves it. So intake announces; the composition root (`yhteys.app`, `yhteys.cli`) subscribes
triage's handlers at start-up. Handlers run inside the caller's transaction and must not commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlmodel import Session

    from intake.lifecycle import FirstResponse, Transition
    from intake.models import Case, CaseMessage
    from intake.urgency import UrgencyRaised

CaseHandler = Callable[["Session", "Case"], None]
MessageHandler = Callable[["Session", "Case", "CaseMessage"], None]
TransitionHandler = Callable[["Session", "Case", "Transition"], None]
FirstResponseHandler = Callable[["Session", "Case", "FirstResponse"], None]
UrgencyHandler = Callable[["Session", "Case", "UrgencyRaised"], None]

H = TypeVar("H")

_case_arriving: list[CaseHandler] = []
_case_not_stored: list[CaseHandler] = []
_case_created: list[CaseHandler] = []
_client_message: list[MessageHandler] = []
_transition: list[TransitionHandler] = []
_first_response: list[FirstResponseHandler] = []
_urgency_raised: list[UrgencyHandler] = []


def _subscribe(handlers: list[H], handler: H) -> H:
    """Add a handler once: configuring twice (every entry point configures) changes nothing."""
    if handler not in handlers:
        handlers.append(handler)
    return handler


def on_case_arriving(handler: CaseHandler) -> CaseHandler:
    """A new case about to be stored (it has no id yet): triage decides its priority, team and
    due times on the object, so its row goes in complete and is not updated a moment later.
    The rows that need the case's id wait for `case_created`, in the same transaction."""
    return _subscribe(_case_arriving, handler)


def on_case_not_stored(handler: CaseHandler) -> CaseHandler:
    """An arriving case whose row did not go in (its idempotency key had made a case already):
    what was decided for it is dropped."""
    return _subscribe(_case_not_stored, handler)


def on_case_created(handler: CaseHandler) -> CaseHandler:
    return _subscribe(_case_created, handler)


def on_client_message(handler: MessageHandler) -> MessageHandler:
    return _subscribe(_client_message, handler)


def on_transition(handler: TransitionHandler) -> TransitionHandler:
    """A case changed state (see intake.lifecycle): triage writes the history row, moves the
    SLA clock."""
    return _subscribe(_transition, handler)


def on_first_response(handler: FirstResponseHandler) -> FirstResponseHandler:
    return _subscribe(_first_response, handler)


def on_urgency_raised(handler: UrgencyHandler) -> UrgencyHandler:
    """The client says she needs help today (intake.urgency): triage raises the priority, moves
    the SLA clock and alerts the staff."""
    return _subscribe(_urgency_raised, handler)


def require_urgency_handlers() -> None:
    """Her call for help must not be stored unheard: refuse it when nobody raises the case."""
    if not _urgency_raised:
        from intake.lifecycle import NotWired

        raise NotWired("no handler subscribed to raised urgency (triage.hooks.register)")


def require_transition_handlers() -> None:
    """A state change must not happen unrecorded: refuse it when nobody writes its history."""
    if not _transition or not _first_response:
        from intake.lifecycle import NotWired

        raise NotWired("no handler subscribed to case transitions (triage.hooks.register)")


def case_arriving(session: Session, case: Case) -> None:
    for handler in _case_arriving:
        handler(session, case)


def case_not_stored(session: Session, case: Case) -> None:
    for handler in _case_not_stored:
        handler(session, case)


def case_created(session: Session, case: Case) -> None:
    for handler in _case_created:
        handler(session, case)


def client_message_added(session: Session, case: Case, message: CaseMessage) -> None:
    for handler in _client_message:
        handler(session, case, message)


def case_transitioned(session: Session, case: Case, change: Transition) -> None:
    for handler in _transition:
        handler(session, case, change)


def first_response_given(session: Session, case: Case, response: FirstResponse) -> None:
    for handler in _first_response:
        handler(session, case, response)


def urgency_raised(session: Session, case: Case, raised: UrgencyRaised) -> None:
    for handler in _urgency_raised:
        handler(session, case, raised)
