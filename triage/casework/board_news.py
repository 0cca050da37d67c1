"""What the board says after a claim or a move from it: "Case K7M-4QX-P9T claimed by you."

One text for both ways a board form comes back: with JavaScript the swapped board carries it for
the live region; without, the redirect names the case and what happened (`?done=claim&case=...`)
and the board puts the text in the page, from the case as it is now. A refused claim names who
has the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from intake.models import Case
from triage.accounts.auth import can_read_case
from triage.accounts.models import StaffUser
from triage.casework import board, case_page
from triage.casework.describe import STATE_LABELS
from yhteys.i18n import gettext as _

# The codes a redirect may carry; anything else says nothing.
CODES = ("claim", "state", "taken", "changed")


@dataclass
class Notice:
    kind: str  # ok | error | stale
    text: str
    reference: str = ""  # the card it is about: where focus goes and the page lands


def holder_name(db: Session, case: Case) -> str:
    holder = db.get(StaffUser, case.assignee_id) if case.assignee_id else None
    return holder.label if holder else ""


def about(db: Session, user: StaffUser, code: str, case: Case) -> Notice:
    """The notice for `code` about `case`, as the case is now."""
    ref = case.reference
    if code == "claim":
        return Notice("ok", _("Case %(ref)s claimed by you.", ref=ref), ref)
    if code == "state":
        state = STATE_LABELS.get(case.state, case.state)
        return Notice("ok", _("Case %(ref)s moved to %(state)s.", ref=ref, state=state), ref)
    holder = holder_name(db, case) if case.assignee_id not in (None, user.id) else ""
    if holder:
        return Notice("stale", _("%(name)s has already taken case %(ref)s.", name=holder,
                                 ref=ref), ref)
    return Notice("stale", _(
        "Someone else changed case %(ref)s just now; the board shows it as it is.", ref=ref), ref)


def from_params(db: Session, user: StaffUser, params: Mapping[str, str]) -> Notice | None:
    """The notice a redirect asked for, about a case this user may read; else none."""
    code = params.get("done", "")
    reference = board.normalise_reference(params.get("case", "")[:20])
    if code not in CODES or not reference:
        return None
    case = case_page.find(db, reference)
    if case is None or not can_read_case(user, case.team_id):
        return None
    return about(db, user, code, case)


def redirect_query(board_query: str, code: str, reference: str) -> str:
    """The board's address after a form without JavaScript: its filters (read again, so only
    filters go back into the address), the notice, the card."""
    from urllib.parse import parse_qsl, urlencode

    filters = board.Filters.read(dict(parse_qsl(board_query))).query_string()
    extra = urlencode({"done": code, "case": reference})
    query = f"{filters}&{extra}" if filters else extra
    return f"/triage/board?{query}#card-{reference}"
