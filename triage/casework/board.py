"""The board: cases in columns by state, filtered, in priority and due-time order.

Each column is one indexed query (`ix_case_board` / `ix_case_team_board`: state, priority rank,
due time) with LIMIT/OFFSET, the offset capped so no page can ask the database to skip a million
rows. Counts stop at COUNT_CAP: "1000+" is as useful as the exact number and costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, union_all
from sqlmodel import Session, col

from intake.models import KINDS, PRIORITIES, STATES, Case
from triage.accounts.auth import readable_team_ids
from triage.accounts.models import StaffUser, Team
from triage.casework.models import LanguageGap
from yhteys.clock import as_utc
from yhteys.readcache import ReadCache

PAGE_SIZE = 25
MAX_PAGE = 40  # 1,000 cards deep per column; beyond that, filter
COUNT_CAP = 1000
RUNNING_STATES = ("new", "assigned", "in_progress")


class Card(NamedTuple):
    """What a card shows: the only columns the board loads, read by name as a Case's. Plain
    tuples: building 125 ORM objects and their identity map cost more than the statement, and a
    result row answers each `row.name` through a lookup by key, read some fifteen times a card."""

    id: int
    reference: str
    kind: str
    name: str
    language: str
    interpreter_needed: bool
    interpreter_language: str
    state: str
    priority: str
    priority_rank: int
    team_id: int | None
    assignee_id: int | None
    due_at: datetime | None
    client_replied: bool
    version: int
    created_at: datetime
    first_response_at: datetime | None
    outcome: str


CARD_FIELDS = Card._fields
CARD_COLUMNS = tuple(getattr(Case, name) for name in CARD_FIELDS)
_REFERENCE = re.compile(r"[^0-9A-Z]")


def normalise_reference(text: str) -> str:
    """"k7m 4qx p9t" and "K7M-4QX-P9T" are the same reference."""
    plain = _REFERENCE.sub("", text.upper())
    return "-".join(plain[i:i + 3] for i in range(0, len(plain), 3)) if plain else ""


@dataclass
class Filters:
    kind: str = ""
    language: str = ""
    priority: str = ""
    team: str = ""  # a team id, or "none" for unrouted cases
    assignee: str = ""  # a user id, "me" or "none"
    overdue: bool = False
    interpreter: bool = False  # only cases nobody in the team speaks the language of
    reference: str = ""
    pages: dict[str, int] = field(default_factory=dict)  # column -> page number

    @classmethod
    def read(cls, params: Mapping[str, str]) -> Filters:
        def pick(name: str, allowed: tuple[str, ...] | None = None) -> str:
            value = (params.get(name) or "").strip()[:40]
            return value if allowed is None or value in allowed else ""

        team, assignee = pick("team"), pick("assignee")
        pages = {}
        for state in STATES:
            raw = params.get(f"page_{state}", "")
            if raw.isdigit() and 1 < int(raw) <= MAX_PAGE:
                pages[state] = int(raw)
        return cls(
            kind=pick("kind", KINDS),
            language=pick("language")[:8],
            priority=pick("priority", PRIORITIES),
            team=team if team.isdigit() or team == "none" else "",
            assignee=assignee if assignee.isdigit() or assignee in ("me", "none") else "",
            overdue=params.get("overdue") in ("1", "on", "yes"),
            interpreter=params.get("interpreter") in ("1", "on", "yes"),
            reference=normalise_reference(pick("reference")),
            pages=pages,
        )

    def query_string(self, **change: object) -> str:
        """The filters as a query string, with some changed (a page link, a cleared filter)."""
        values: dict[str, object] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "pages"
        }
        pages = dict(self.pages)
        for key, value in change.items():
            if key.startswith("page_"):
                pages[key[5:]] = int(str(value))
            else:
                values[key] = value
        pairs = [(k, "1" if v is True else v) for k, v in values.items() if v not in ("", False)]
        pairs += [(f"page_{k}", v) for k, v in pages.items() if v > 1]
        return urlencode(pairs)

    @property
    def active(self) -> bool:
        return bool(self.query_string(**{f"page_{s}": 1 for s in STATES}))


@dataclass
class Column:
    state: str
    cards: list[Card]
    count: int
    capped: bool
    page: int
    has_more: bool


@dataclass
class Board:
    columns: list[Column]
    teams: dict[int, str]
    people: dict[int, str]
    filters: Filters
    overdue: set[int] = field(default_factory=set)
    assignees: list[tuple[int, str]] = field(default_factory=list)  # the filter's people

    @property
    def kinds(self) -> list[str]:
        """The kinds of the cards shown, in the product's order."""
        shown = {c.kind for column in self.columns for c in column.cards}
        return [k for k in KINDS if k in shown]


def _scoped(query, user: StaffUser, filters: Filters, at: datetime):  # noqa: ANN001, ANN202
    teams = readable_team_ids(user)
    if teams is not None:
        query = query.where(col(Case.team_id).in_(sorted(teams)))
    if filters.team == "none":
        query = query.where(col(Case.team_id).is_(None))
    elif filters.team:
        query = query.where(Case.team_id == int(filters.team))
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.language:
        query = query.where(Case.language == filters.language)
    if filters.priority:
        query = query.where(Case.priority_rank == {"urgent": 0, "high": 1, "normal": 2}[
            filters.priority])
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == user.id)
    elif filters.assignee == "none":
        query = query.where(col(Case.assignee_id).is_(None))
    elif filters.assignee:
        query = query.where(Case.assignee_id == int(filters.assignee))
    if filters.overdue:
        query = query.where(col(Case.state).in_(RUNNING_STATES), col(Case.due_at) <= as_utc(at))
    if filters.reference:
        query = query.where(Case.reference == filters.reference)
    if filters.interpreter:
        query = query.where(col(Case.id).in_(select(col(LanguageGap.case_id))))
    return query


def scoped(query, user: StaffUser, filters: Filters, at: datetime):  # noqa: ANN001, ANN201
    """`query` narrowed to what the user may read and the filters ask (exports use it too)."""
    return _scoped(query, user, filters, at)


ORDER = (col(Case.priority_rank), col(Case.due_at), col(Case.id))


def _pieces(user: StaffUser, filters: Filters, states: list[str], at: datetime,
            sparse: set[str]):  # noqa: ANN202
    """One ordered, limited index scan per column (and per team, for an advisor of several),
    reading the cards' columns as it goes: the rows are on the heap page the scan visits anyway.

    `team_id IN (...)` would make the database sort every row of those teams; one scan per
    team on ix_case_team_board stays a short index walk, and the pieces are merged in Python.
    A `sparse` column is ordered by `priority_rank + 0`, which keeps the database from walking
    the whole state in index order for rows that are hardly there: it fetches the few matching
    rows through the filter's own index and sorts them instead.
    """
    teams = readable_team_ids(user)
    per_team = sorted(teams) if teams is not None and len(teams) > 1 and not filters.team else [
        None]
    for state in states:
        depth = (filters.pages.get(state, 1) - 1) * PAGE_SIZE + PAGE_SIZE + 1
        for team in per_team:
            keys = select(*CARD_COLUMNS).where(col(Case.state) == state)
            if team is not None:
                keys = keys.where(col(Case.team_id) == team)
            order = (
                (col(Case.priority_rank) + 0, col(Case.due_at), col(Case.id))
                if state in sparse else ORDER
            )
            # Each piece is wrapped in a subquery: SQLite refuses ORDER BY inside UNION ALL.
            yield select(_scoped(keys, user, filters, at).order_by(*order).limit(depth)
                         .subquery())


def _counts(session: Session, user: StaffUser, filters: Filters, states: list[str],
            at: datetime) -> dict[str, int]:
    """Each column's count up to COUNT_CAP + 1, all in one statement."""
    parts = []
    for state in states:
        capped = _scoped(
            select(col(Case.id)).where(col(Case.state) == state), user, filters, at
        ).limit(COUNT_CAP + 1).subquery()
        parts.append(select(literal(state).label("state"), func.count().label("n"))
                     .select_from(capped))
    return {row.state: int(row.n) for row in session.execute(union_all(*parts))}


# Columns a filter cannot have rows in, by the workflow's own rules (see actions): a new case
# has nobody; an assigned or in-progress case has somebody. "Nobody yet" asks what still waits
# to be taken, which a closed case never does.
EMPTY_BY_RULE = {"none": {"assigned", "in_progress", "closed"}, "person": {"new"}}


def _states(filters: Filters) -> list[str]:
    states = [s for s in STATES if not filters.overdue or s in RUNNING_STATES]
    if filters.assignee:
        empty = EMPTY_BY_RULE["none" if filters.assignee == "none" else "person"]
        states = [s for s in states if s not in empty]
    return states


def _sparse(filters: Filters, states: list[str]) -> set[str]:
    """Columns where the filter's matches are rare in a way the state order cannot know: cases
    nobody has are nearly all new, so among the waiting ones there are few."""
    return {"waiting_client"} & set(states) if filters.assignee == "none" else set()


def _counted(filters: Filters) -> bool:
    """Counts are cheap when the filters are columns of the board's indexes (state, priority,
    due time, team). Counting to a thousand by kind, language or assignee makes the database
    build bitmaps of hundreds of thousands of rows; those boards say "25+" instead."""
    return not (filters.kind or filters.language or filters.assignee or filters.interpreter)


def load(session: Session, user: StaffUser, filters: Filters, at: datetime, *,
         choices: bool = False) -> Board:
    """The whole board in two statements: the counts, and the cards of every column. Then the
    names on the cards, and with `choices` the people to filter by, in one more."""
    states = _states(filters)
    counted = _counted(filters)
    counts = _counts(session, user, filters, states, at) if states and counted else {}
    sparse = _sparse(filters, states)
    pieces = list(_pieces(user, filters, states, at, sparse))
    rows = [Card._make(r) for r in session.execute(union_all(*pieces))] if pieces else []
    nulls_last = session.get_bind().dialect.name == "postgresql"  # each database's ASC order

    def key(row: Card) -> tuple:
        due = as_utc(row.due_at) if row.due_at is not None else None
        return (row.priority_rank, (due is None) == nulls_last, due or at, row.id)

    by_state: dict[str, list[Card]] = {}
    for row in sorted(rows, key=key):
        by_state.setdefault(row.state, []).append(row)
    columns = []
    for state in STATES:
        page = filters.pages.get(state, 1) if state in states else 1
        offset = (page - 1) * PAGE_SIZE
        found = by_state.get(state, [])
        cards = found[offset:offset + PAGE_SIZE]
        if state not in states:
            shown, capped = 0, False
        elif not counted:  # what the rows tell: all of them, or "this many and more"
            shown, capped = min(len(found), offset + PAGE_SIZE), len(found) > offset + PAGE_SIZE
        else:
            shown, capped = min(counts.get(state, 0), COUNT_CAP), counts.get(state, 0) > COUNT_CAP
        has_more = len(found) > offset + PAGE_SIZE and page < MAX_PAGE
        columns.append(Column(state, cards, shown, capped, page, has_more))
    shown_cards = [c for column in columns for c in column.cards]
    people, assignees = _people(session, user, shown_cards, choices)
    return Board(columns, _team_names(session), people, filters, _overdue(shown_cards, at),
                 assignees)


# Every board names the teams, which change a few times a year. Kept per process for a few
# seconds: the process that renames a team sees it at once, another one TEAM_NAMES_TTL later.
TEAM_NAMES_TTL = 5.0
TEAM_NAMES = ReadCache("team_names", (Team,), TEAM_NAMES_TTL)


def _team_names(session: Session) -> dict[int, str]:
    def read() -> dict[int, str]:
        query = select(col(Team.id), col(Team.name)).order_by(col(Team.name))
        return {i: name for i, name in session.execute(query)}

    return dict(TEAM_NAMES.get(session, "names", read))


def _people(session: Session, user: StaffUser, cards: list[Card],
            choices: bool) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """Who the cards are assigned to, by the name staff see (StaffUser.label); with `choices`,
    from the same statement, the people to filter by: the active members of the teams the user
    can see, by name."""
    ids = {c.assignee_id for c in cards if c.assignee_id} | {user.id}
    shown = col(StaffUser.id).in_(ids)
    offered = _offered(user) if choices else false()
    query = select(col(StaffUser.id), col(StaffUser.display_name), col(StaffUser.email),
                   offered.label("offered"))
    query = query.where(or_(shown, offered)).order_by(col(StaffUser.display_name))
    people, assignees = {}, []
    for i, name, email, is_offered in session.execute(query):
        if i in ids:
            people[i] = name or email
        if is_offered:
            assignees.append((i, name or email))
    return people, assignees


def _offered(user: StaffUser) -> ColumnElement[bool]:
    """Whom the assignee filter offers: the active members of the teams the user can see."""
    from triage.accounts.models import TeamMembership

    active = col(StaffUser.is_active).is_(True)
    teams = readable_team_ids(user)
    if teams is None:
        return active
    members = select(col(TeamMembership.user_id)).where(
        col(TeamMembership.team_id).in_(sorted(teams)))
    return and_(active, col(StaffUser.id).in_(members))


def _overdue(cards: list[Card], at: datetime) -> set[int]:
    moment = as_utc(at)
    return {
        c.id for c in cards
        if c.state in RUNNING_STATES and c.due_at is not None and as_utc(c.due_at) <= moment
    }
