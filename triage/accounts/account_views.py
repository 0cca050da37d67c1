"""A staff member's own account: overview, password, second factor, sessions."""

from __future__ import annotations

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from triage.accounts import audit, login, sessions, totp
from triage.accounts.auth import current_session, landing, second_factor_missing
from triage.accounts.models import ROLE_NAMES, StaffUser
from triage.accounts.passwords import password_problem, verify_password
from triage.accounts.users import set_password
from triage.pages import (
    clipped,
    csrf_message,
    db_session,
    done_notice,
    page,
    raw,
    redirect,
    requires,
)
from yhteys import csrf
from yhteys.clock import now
from yhteys.db import pk
from yhteys.i18n import INTERPRETER_LANGUAGES
from yhteys.i18n import gettext as _


def _overview(user_id: int) -> dict:
    with db_session() as db:
        user = db.get(StaffUser, user_id)
        assert user is not None
        return {
            "user": user,
            "team_names": [t.name for t in user.teams],
            "sessions": sessions.active_for(db, user_id),
            "recovery_left": login.unused_recovery_codes(db, user_id),
            "language_names": INTERPRETER_LANGUAGES,
            "role_names": ROLE_NAMES,
        }


NOTICES = {
    "password": lambda: _("Your password has been changed. Your other sessions have ended."),
    "sessions": lambda: _("You have been logged out on every other device."),
}


@requires()
async def account(request: Request) -> Response:
    context = await run_in_threadpool(_overview, request.state.staff.id)
    current = await current_session(request)
    context.update(current_id=current.session.id if current else "",
                   notice=done_notice(request, NOTICES), error="")
    return page(request, "triage/accounts/account.html", context)


def _password_form(request: Request, *, errors: dict[str, str] | None = None,
                   error: str = "", status_code: int = 200) -> Response:
    return page(
        request,
        "triage/accounts/password.html",
        {
            "errors": errors or {},
            "error": error,
            "forced": request.state.staff.must_change_password,
        },
        status_code=status_code,
    )


@requires(incomplete_ok=True)
async def password_page(request: Request) -> Response:
    return _password_form(request)


def _change_password(request: Request, user_id: int, keep: str, current: str, new: str,
                     repeat: str) -> dict[str, str]:
    with db_session() as db:
        user = db.get(StaffUser, user_id)
        assert user is not None
        errors: dict[str, str] = {}
        if not verify_password(user.password_hash, current):
            errors["current"] = _("This is not your current password.")
        problem = password_problem(new, email=user.email, current=current)
        if problem:
            errors["new"] = problem
        elif new != repeat:
            errors["repeat"] = _("The two new passwords are not the same.")
        if errors:
            return errors
        set_password(db, user, new)
        ended = sessions.revoke_all(db, user_id, keep=keep)
        audit.record(db, actor=user, action="password.change", detail={"sessions_ended": ended},
                     request=request)
        db.commit()
        return {}


@requires(incomplete_ok=True)
async def password_submit(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    if not checked.ok:
        return _password_form(request, error=csrf_message(checked), status_code=400)
    current = await current_session(request)
    assert current is not None
    errors = await run_in_threadpool(
        _change_password, request, request.state.staff.id, current.session.id,
        raw(form, "current"), raw(form, "new"), raw(form, "repeat"),
    )
    if errors:
        return _password_form(request, errors=errors,
                              error=_("The password was not changed."), status_code=400)
    if second_factor_missing(request.state.staff):
        return redirect("/triage/account/totp")
    return redirect("/triage/account?done=password")


def _pending_secret(user_id: int, renew: bool, create: bool = True) -> tuple[str, str]:
    """The secret being enrolled: kept on the account until confirmed, so a reload keeps it."""
    with db_session() as db:
        user = db.get(StaffUser, user_id)
        assert user is not None and not user.totp_enabled
        if not create and not user.totp_secret:
            return "", user.email
        if renew or not user.totp_secret:
            user.totp_secret = totp.seal_seed(totp.new_secret())
            user.last_totp_step = None
            db.add(user)
            db.commit()
        return totp.open_seed(user.totp_secret), user.email


def _enrol_form(request: Request, secret: str, email: str, *, error: str = "",
                status_code: int = 200) -> Response:
    uri = totp.provisioning_uri(secret, email)
    return page(
        request,
        "triage/accounts/totp.html",
        {
            # segno's SVG of our own URI: path data only, no text anyone typed, no style.
            "qr": Markup(totp.qr_svg(uri)),  # noqa: S704
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "error": error,
            "forced": second_factor_missing(request.state.staff),
        },
        status_code=status_code,
    )


@requires(incomplete_ok=True)
async def totp_page(request: Request) -> Response:
    user = request.state.staff
    if user.totp_enabled:
        recovery_left = await run_in_threadpool(_recovery_left, user.id)
        return page(request, "triage/accounts/totp_on.html",
                    {"recovery_left": recovery_left, "error": ""})
    secret, email = await run_in_threadpool(_pending_secret, user.id,
                                            bool(request.query_params.get("new")))
    return _enrol_form(request, secret, email)


def _recovery_left(user_id: int) -> int:
    with db_session() as db:
        return login.unused_recovery_codes(db, user_id)


def _enrol(request: Request, user_id: int, old_session: str, code: str
           ) -> tuple[list[str], str] | None:
    with db_session() as db:
        user = db.get(StaffUser, user_id)
        assert user is not None
        if user.totp_enabled or not user.totp_secret:
            return None
        step = totp.matching_step(totp.open_seed(user.totp_secret), code, now(),
                                  user.last_totp_step)
        if step is None:
            return None
        user.totp_enabled = True
        user.must_enrol_totp = False
        user.last_totp_step = step
        db.add(user)
        codes = login.issue_recovery_codes(db, user)
        # A new factor: sessions opened with the password alone end, this one is replaced.
        sessions.revoke_all(db, user_id)
        token = sessions.start(db, user, stage=sessions.FULL, request=request)
        audit.record(db, actor=user, action="totp.enrol", request=request)
        db.commit()
        return codes, token


@requires(incomplete_ok=True)
async def totp_submit(request: Request) -> Response:
    form = await request.form()
    user = request.state.staff
    if user.totp_enabled:
        return redirect("/triage/account/totp")
    checked = csrf.check(request, form)
    current = await current_session(request)
    assert current is not None
    if checked.ok:
        result = await run_in_threadpool(_enrol, request, user.id, current.session.id,
                                         clipped(form, "code", 40))
        if result is not None:
            codes, token = result
            response = page(request, "triage/accounts/recovery_codes.html",
                            {"codes": codes, "first_time": True, "continue_to": landing(user)})
            sessions.set_cookie(response, token)
            return response
        error = _("That code did not work. Check that the time on your phone is right and type "
                  "the newest code.")
    else:
        error = csrf_message(checked)
    # A refused form must not change the account: show the key only if one is pending.
    secret, email = await run_in_threadpool(_pending_secret, user.id, False, checked.ok)
    if not secret:
        return page(request, "triage/accounts/expired.html",
                    {"error": error, "back": "/triage/account/totp"}, status_code=400)
    return _enrol_form(request, secret, email, error=error, status_code=400)


def _new_codes(request: Request, user_id: int, password: str) -> list[str] | None:
    with db_session() as db:
        user = db.get(StaffUser, user_id)
        assert user is not None
        if not user.totp_enabled or not verify_password(user.password_hash, password):
            return None
        codes = login.issue_recovery_codes(db, user)
        audit.record(db, actor=user, action="recovery.renew", request=request)
        db.commit()
        return codes


@requires()
async def recovery_codes(request: Request) -> Response:
    form = await request.form()
    user = request.state.staff
    checked = csrf.check(request, form)
    codes = None
    if checked.ok:
        codes = await run_in_threadpool(_new_codes, request, user.id, raw(form, "password"))
    if codes is None:
        left = await run_in_threadpool(_recovery_left, user.id)
        error = (_("This is not your current password.") if checked.ok
                 else csrf_message(checked))
        return page(request, "triage/accounts/totp_on.html",
                    {"recovery_left": left, "error": error}, status_code=400)
    return page(request, "triage/accounts/recovery_codes.html",
                {"codes": codes, "first_time": False, "continue_to": "/triage/account"})


def _end_others(request: Request, user: StaffUser, keep: str) -> int:
    with db_session() as db:
        ended = sessions.revoke_all(db, pk(user), keep=keep)
        audit.record(db, actor=user, action="logout.others", detail={"sessions_ended": ended},
                     request=request)
        db.commit()
        return ended


@requires()
async def end_other_sessions(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    if not checked.ok:
        context = await run_in_threadpool(_overview, request.state.staff.id)
        context.update(current_id="", notice="", error=csrf_message(checked))
        return page(request, "triage/accounts/account.html", context, status_code=400)
    current = await current_session(request)
    assert current is not None
    await run_in_threadpool(_end_others, request, request.state.staff, current.session.id)
    return redirect("/triage/account?done=sessions")
