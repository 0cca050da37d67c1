"""What happens to a case on the public side, for the packages that react to it.

`intake` may not import `triage`, yet a new case must be routed in the same transaction that
saves it. So intake announces; the composition root (`yhteys.app`, `yhteys.cli`) subscribes
triage's handlers at start-up. Handlers run inside the caller's transaction and must not commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

    from intake.models import Case, CaseMessage

CaseHandler = Callable[["Session", "Case"], None]
MessageHandler = Callable[["Session", "Case", "CaseMessage"], None]

_case_created: list[CaseHandler] = []
_client_message: list[MessageHandler] = []


def on_case_created(handler: CaseHandler) -> CaseHandler:
    if handler not in _case_created:
        _case_created.append(handler)
    return handler


def on_client_message(handler: MessageHandler) -> MessageHandler:
    if handler not in _client_message:
        _client_message.append(handler)
    return handler


def case_created(session: Session, case: Case) -> None:
    for handler in _case_created:
        handler(session, case)


def client_message_added(session: Session, case: Case, message: CaseMessage) -> None:
    for handler in _client_message:
        handler(session, case, message)
