"""Who is asking on the staff side, and may they.

Interfaces for every staff page:

- `@requires("advisor", "supervisor")` on a Starlette endpoint: any of the roles may pass;
  `@requires()`: any logged-in staff member. Anonymous visitors are sent (303) to
  `/triage/login?next=<path>`; a wrong role gets a 403 page. The user is in `request.state.staff`
  and every answer carries `Cache-Control: no-store`.
- `await current_staff(request)`: the logged-in StaffUser or None (no redirect).
- `can_read_case(user, team_id)`: advisors read the cases of their own teams, supervisors every
  case, an admin without the supervisor role none. Check it per case, on the server.

Route names: every staff route is named `<part>.<page>` (`accounts.login`, `casework.board`,
`hours.edit`, ...) and listed in tests/triage/test_authz_matrix.py::EXPECTED.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from triage.accounts import sessions
from triage.accounts.models import ROLES, StaffUser
from yhteys.db import autocommit, get_engine
from yhteys.settings import get_settings

Endpoint = Callable[[Request], Awaitable[Response]]

LOGIN_PATH = "/triage/login"
TOTP_LOGIN_PATH = "/triage/login/totp"
PASSWORD_PATH = "/triage/account/password"  # noqa: S105 - a path, not a secret
ENROL_PATH = "/triage/account/totp"


def no_store(response: Response) -> Response:
    response.headers["cache-control"] = "no-store"
    return response


def _load(token: str | None) -> sessions.Current | None:
    with Session(get_engine(), expire_on_commit=False) as db:
        autocommit(db)  # one read, and at most one write (a touch or a revocation)
        current = sessions.load(db, token)
        db.commit()  # the touch of last_seen_at, or the revocation of an expired session
        return current


async def current_session(request: Request) -> sessions.Current | None:
    """The request's live session (any stage), looked up once per request."""
    if "staff_current" not in request.state._state:
        token = request.cookies.get(sessions.COOKIE_NAME)
        current = await run_in_threadpool(_load, token) if token else None
        request.state.staff_current = current
    return request.state.staff_current


async def current_staff(request: Request) -> StaffUser | None:
    """The logged-in staff member (both factors done), or None."""
    current = await current_session(request)
    user = current.user if current is not None and current.session.stage == sessions.FULL else None
    request.state.staff = user
    return user


def second_factor_missing(user: StaffUser) -> bool:
    """Production requires TOTP of every staff account, and so does a reset of the second factor
    anywhere; until enrolled, nothing else opens."""
    return (get_settings().is_production or user.must_enrol_totp) and not user.totp_enabled


def landing(user: StaffUser | None) -> str:
    """The first page of a user: the board, or user administration for an admin only."""
    if user is not None and user.has_role("admin") and not user.has_role("advisor", "supervisor"):
        return "/triage/admin/users"
    return "/triage/"


def safe_next(raw: str | None, user: StaffUser | None = None) -> str:
    """Where to go after login: only a path on the staff side, never another host."""
    if raw and raw.startswith("/triage/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return landing(user)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='/')}", status_code=303)
    if request.cookies.get(sessions.COOKIE_NAME):
        sessions.clear_cookie(response)
    return no_store(response)


def forbidden(request: Request) -> Response:
    from yhteys.templating import render

    return no_store(render(request, "triage/accounts/forbidden.html", {}, status_code=403))


def requires(*roles: str, incomplete_ok: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Let in staff holding any of `roles` (any staff when none are given).

    `incomplete_ok` is for the pages that complete an account (password change, TOTP enrolment):
    everything else sends a user who must change their password or enrol first to that page.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            current = await current_session(request)
            if current is None:
                request.state.staff = None
                return login_redirect(request)
            if current.session.stage != sessions.FULL:
                return no_store(RedirectResponse(TOTP_LOGIN_PATH, status_code=303))
            user = current.user
            request.state.staff = user
            if not incomplete_ok:
                if user.must_change_password:
                    return no_store(RedirectResponse(PASSWORD_PATH, status_code=303))
                if second_factor_missing(user):
                    return no_store(RedirectResponse(ENROL_PATH, status_code=303))
            if roles and not user.has_role(*roles):
                return forbidden(request)
            return no_store(await endpoint(request))

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorate


def can_read_case(user: StaffUser | None, team_id: int | None) -> bool:
    """May this user open a case of `team_id`? Supervisors: all; advisors: their teams only."""
    if user is None or not user.is_active:
        return False
    if user.has_role("supervisor"):
        return True
    if user.has_role("advisor"):
        return team_id is not None and team_id in user.team_ids
    return False


def readable_team_ids(user: StaffUser) -> frozenset[int] | None:
    """Teams whose cases the user may list: None means every team (supervisors)."""
    if user.has_role("supervisor"):
        return None
    if user.has_role("advisor"):
        return user.team_ids
    return frozenset()
