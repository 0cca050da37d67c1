"""Login (password, then the second factor) and logout.

The session id rotates on login: a pre-login cookie is dropped and its session ended, the
password step starts a short pending session, and the second factor replaces it with a new one.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from triage.accounts import audit, devices, login, sessions
from triage.accounts.auth import TOTP_LOGIN_PATH, current_session, current_staff, safe_next
from triage.accounts.models import StaffUser
from triage.pages import clipped, csrf_message, db_session, page, raw, redirect
from yhteys import csrf, metrics, ratelimit
from yhteys.client import client_key
from yhteys.i18n import gettext as _

# Per client (a keyed hash of the address), counted for every attempt: enough for an office
# behind one address logging in at the start of a shift, far too few for guessing.
CLIENT_LIMIT = 30
CLIENT_WINDOW = 15 * 60


def _failed_message() -> str:
    return _(
        "The email address or password is not right. After several wrong tries an account is "
        "locked for a while: then wait 15 minutes and try again."
    )


def _throttled(request: Request, scope: str) -> int:
    """Seconds to wait when this client has tried too often; 0 when it may try."""
    decision = ratelimit.hit(scope, client_key(request), CLIENT_LIMIT, CLIENT_WINDOW)
    return 0 if decision.allowed else decision.retry_after


def _throttled_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return _("Too many tries from this device. Wait %(minutes)s minutes and try again.",
             minutes=minutes)


def _login_form(request: Request, *, email: str = "", next_path: str = "", error: str = "",
                status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    notice = ""
    if request.query_params.get("bye"):
        notice = _("You have logged out.")
    elif request.query_params.get("set"):
        notice = _("Your password is set. Log in with it now.")
    return page(
        request,
        "triage/accounts/login.html",
        {"email": email, "next": next_path, "error": error, "notice": notice},
        status_code=status_code,
        headers=headers,
    )


async def login_page(request: Request) -> Response:
    user = await current_staff(request)
    if user is not None:
        return redirect(safe_next(request.query_params.get("next"), user))
    return _login_form(request, next_path=request.query_params.get("next", "")[:500])


def _password_step(request: Request, email: str, password: str) -> tuple[login.Outcome, str]:
    with db_session() as db:
        old = request.cookies.get(sessions.COOKIE_NAME)
        if old:
            sessions.revoke(db, sessions.session_id(old))
        outcome = login.check_password(db, email, password, request)
        token = ""
        if outcome.user is not None:
            stage = sessions.FULL if outcome.result is login.Result.OK else sessions.PENDING_TOTP
            token = sessions.start(db, outcome.user, stage=stage, request=request)
        db.commit()
        return outcome, token


async def login_submit(request: Request) -> Response:
    form = await request.form()
    email = clipped(form, "email", 320)
    next_raw = clipped(form, "next", 500)
    checked = csrf.check(request, form)
    if not checked.ok:
        return _login_form(request, email=email, next_path=next_raw,
                           error=csrf_message(checked), status_code=400)
    wait = _throttled(request, "staff-login")
    if wait:
        return _login_form(request, email=email, next_path=next_raw,
                           error=_throttled_message(wait), status_code=429,
                           headers={"retry-after": str(wait)})
    outcome, token = await run_in_threadpool(_password_step, request, email, raw(form, "password"))
    if outcome.result is login.Result.FAILED:
        metrics.LOGIN_FAILURES.labels("password").inc()
        response = _login_form(request, email=email, next_path=next_raw,
                               error=_failed_message(), status_code=400)
        if request.cookies.get(sessions.COOKIE_NAME):
            sessions.clear_cookie(response)
        return response
    if outcome.result is login.Result.NEEDS_TOTP:
        response = redirect(f"{TOTP_LOGIN_PATH}?next={quote(safe_next(next_raw), safe='/')}")
    else:
        response = redirect(safe_next(next_raw, outcome.user))
        _trust_device(request, response, outcome)
    sessions.set_cookie(response, token)
    return response


def _trust_device(request: Request, response: Response, outcome: login.Outcome) -> None:
    """After a full login this browser is trusted for the account (see login.py on lockout)."""
    assert outcome.user is not None and outcome.user.id is not None
    devices.set_cookie(response, devices.issue(request, outcome.user.id))


async def _pending(request: Request) -> sessions.Current | None:
    current = await current_session(request)
    if current is None or current.session.stage != sessions.PENDING_TOTP:
        return None
    return current


def _totp_form(request: Request, *, error: str = "", status_code: int = 200,
               headers: dict[str, str] | None = None) -> Response:
    return page(
        request,
        "triage/accounts/login_totp.html",
        {"error": error, "next": request.query_params.get("next", "")[:500]},
        status_code=status_code,
        headers=headers,
    )


async def totp_page(request: Request) -> Response:
    if await _pending(request) is None:
        return redirect("/triage/login")
    return _totp_form(request)


def _second_step(request: Request, current: sessions.Current, code: str
                 ) -> tuple[login.Outcome, str]:
    with db_session() as db:
        user = db.get(StaffUser, current.user.id)
        assert user is not None  # the session was live a moment ago; its row cascades
        outcome = login.check_second_factor(db, user, code, request)
        token = ""
        if outcome.result is login.Result.OK:
            sessions.revoke(db, current.session.id)
            token = sessions.start(db, user, stage=sessions.FULL, request=request)
        db.commit()
        return outcome, token


async def totp_submit(request: Request) -> Response:
    form = await request.form()
    current = await _pending(request)
    if current is None:
        return redirect("/triage/login")
    checked = csrf.check(request, form)
    if not checked.ok:
        return _totp_form(request, error=csrf_message(checked), status_code=400)
    wait = _throttled(request, "staff-totp")
    if wait:
        return _totp_form(request, error=_throttled_message(wait), status_code=429,
                          headers={"retry-after": str(wait)})
    outcome, token = await run_in_threadpool(_second_step, request, current,
                                             clipped(form, "code", 40))
    if outcome.result is not login.Result.OK:
        metrics.LOGIN_FAILURES.labels("second_factor").inc()
        return _totp_form(
            request,
            error=_("That code did not work. Use the newest code of your authenticator app "
                    "(each code works once), or one of your recovery codes."),
            status_code=400,
        )
    response = redirect(safe_next(clipped(form, "next", 500), outcome.user))
    _trust_device(request, response, outcome)
    sessions.set_cookie(response, token)
    return response


def _logout(request: Request, current: sessions.Current) -> None:
    with db_session() as db:
        sessions.revoke(db, current.session.id)
        audit.record(db, actor=current.user, action="logout", request=request)
        db.commit()


async def logout(request: Request) -> Response:
    form = await request.form()
    current = await current_session(request)
    if current is None:
        response = redirect("/triage/login")
        sessions.clear_cookie(response)
        return response
    request.state.staff = current.user if current.session.stage == sessions.FULL else None
    checked = csrf.check(request, form)
    if not checked.ok:
        return page(request, "triage/accounts/logout.html", {"error": csrf_message(checked)},
                    status_code=400)
    await run_in_threadpool(_logout, request, current)
    response = redirect("/triage/login?bye=1")
    sessions.clear_cookie(response)
    return response
