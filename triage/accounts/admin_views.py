"""Administration of staff accounts and teams (admins only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from triage.accounts import audit, grants, links, notices, sessions
from triage.accounts.login import clear_all_locks
from triage.accounts.models import ROLE_NAMES, ROLES, StaffUser, Team
from triage.accounts.users import (
    AccountError,
    all_users,
    by_email,
    clean_name,
    create_team,
    create_user,
    disable_password,
    members,
    normalise_email,
    reset_second_factor,
    set_teams,
    slugify,
    teams,
    valid_email,
)
from triage.pages import (
    clipped,
    csrf_message,
    db_session,
    done_notice,
    get_or_404,
    many,
    page,
    redirect,
    requires,
)
from yhteys import csrf
from yhteys.db import pk
from yhteys.i18n import INTERPRETER_LANGUAGES, STAFF_LANGUAGES
from yhteys.i18n import gettext as _


@dataclass
class UserForm:
    email: str = ""
    display_name: str = ""
    roles: list[str] = field(default_factory=lambda: ["advisor"])
    team_ids: list[int] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    is_active: bool = True
    ui_language: str = ""  # the staff language of her emails; blank: the service's default

    @classmethod
    def read(cls, form: FormData) -> UserForm:
        return cls(
            email=normalise_email(clipped(form, "email", 320)),
            display_name=clean_name(clipped(form, "display_name", 120)),
            roles=[r for r in ROLES if r in many(form, "roles")],
            team_ids=sorted({int(t) for t in many(form, "teams") if t.isdigit()}),
            languages=[c for c in INTERPRETER_LANGUAGES if c in many(form, "languages")],
            is_active=form.get("is_active") == "on",
            ui_language=_staff_language(clipped(form, "ui_language", 8)),
        )

    @classmethod
    def of(cls, user: StaffUser) -> UserForm:
        return cls(user.email, user.display_name, sorted(user.role_set), sorted(user.team_ids),
                   list(user.languages), user.is_active, user.ui_language)


def _staff_language(code: str) -> str:
    return code if code in STAFF_LANGUAGES else ""


def _choices(db: Session) -> dict:
    return {"all_teams": teams(db), "role_names": ROLE_NAMES,
            "language_names": INTERPRETER_LANGUAGES, "staff_languages": STAFF_LANGUAGES}


# Users ------------------------------------------------------------------------------------------

def _user_list() -> dict:
    with db_session() as db:
        return {"users": all_users(db), "role_names": ROLE_NAMES,
                "pending": grants.pending(db)}


GRANT_NOTICES = {
    "approved": lambda: _("The role was granted."),
    "rejected": lambda: _("The request was turned down."),
    "own_request": lambda: _("You asked for this role yourself: another administrator must "
                             "approve it."),
    "own_account": lambda: _("This role is for your own account: another administrator must "
                             "decide."),
    "decided": lambda: _("Someone has already decided on this request."),
    "not_admin": lambda: _("Only administrators decide on roles."),
}


@requires("admin")
async def users(request: Request) -> Response:
    context = await run_in_threadpool(_user_list)
    context.update(notice=done_notice(request, GRANT_NOTICES, "grant"), error="")
    return page(request, "triage/accounts/admin_users.html", context)


def _user_form(request: Request, form: UserForm, *, user: StaffUser | None = None,
               errors: dict[str, str] | None = None, error: str = "",
               status_code: int = 200, waiting: list[str] | None = None) -> Response:
    with db_session() as db:
        context = _choices(db)
        if waiting is None and user is not None:
            waiting = [g.role for g in grants.pending_for(db, user.id)]
    context.update(form=form, user=user, errors=errors or {}, error=error,
                   waiting=waiting or [])
    return page(request, "triage/accounts/admin_user_form.html", context, status_code=status_code)


@requires("admin")
async def user_new(request: Request) -> Response:
    return await run_in_threadpool(_user_form, request, UserForm())


def _validate(db: Session, data: UserForm, *, new: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if new:
        if not valid_email(data.email):
            errors["email"] = _("Type an email address, like name@example.org.")
        elif by_email(db, data.email) is not None:
            errors["email"] = _("There is already an account with this email address.")
    if not data.roles:
        errors["roles"] = _("Choose at least one role.")
    known = {t.id for t in teams(db)}
    if set(data.team_ids) - known:
        errors["teams"] = _("Choose teams from the list.")
    return errors


def _create(request: Request, actor: StaffUser, data: UserForm) -> tuple[dict, int]:
    """A new account without a usable password or any role: a set-password link goes to its
    own address, and each role waits for another administrator's approval."""
    with db_session() as db:
        errors = _validate(db, data, new=True)
        if errors:
            return errors, 0
        try:
            user = create_user(db, email=data.email, password="", roles=(),
                               display_name=data.display_name, languages=data.languages,
                               team_ids=data.team_ids)
            user.ui_language = data.ui_language
        except AccountError:
            return {"email": _("There is already an account with this email address.")}, 0
        audit.record(db, actor=actor, action="user.create",
                     detail={"user_id": user.id, "roles": "", "teams": data.team_ids},
                     request=request)
        for role in data.roles:
            grants.request(db, actor, user, role, request)
        links.send(db, user, "welcome")
        db.commit()
        return {}, pk(user)


@requires("admin")
async def user_create(request: Request) -> Response:
    form = await request.form()
    data = UserForm.read(form)
    checked = csrf.check(request, form)
    if not checked.ok:
        return await run_in_threadpool(_user_form, request, data, error=csrf_message(checked),
                                       status_code=400)
    errors, user_id = await run_in_threadpool(_create, request, request.state.staff, data)
    if errors:
        return await run_in_threadpool(_user_form, request, data, errors=errors,
                                       error=_("The account was not created."), status_code=400)
    return redirect(f"/triage/admin/users/{user_id}?saved=created")


def _get_user(user_id: int) -> StaffUser:
    with db_session() as db:
        return get_or_404(db, StaffUser, user_id)


def _get_team(team_id: int) -> Team:
    with db_session() as db:
        return get_or_404(db, Team, team_id)


def _edit_page(request: Request, user_id: int) -> Response:
    with db_session() as db:
        user = get_or_404(db, StaffUser, user_id)
        waiting = [g.role for g in grants.pending_for(db, user_id)]
    form = UserForm.of(user)
    form.roles = sorted(set(form.roles) | set(waiting))
    return _user_form(request, form, user=user, waiting=waiting)


@requires("admin")
async def user_edit(request: Request) -> Response:
    return await run_in_threadpool(_edit_page, request, request.path_params["user_id"])


def _update(request: Request, actor: StaffUser, user_id: int, data: UserForm
            ) -> tuple[StaffUser, dict[str, str]]:
    with db_session() as db:
        user = get_or_404(db, StaffUser, user_id)
        errors = _validate(db, data, new=False)
        if user.id == actor.id and ("admin" not in data.roles or not data.is_active):
            errors["roles"] = _("You cannot take away your own administrator role or "
                                "disable your own account. Ask another administrator.")
        if errors:
            return user, errors
        before = UserForm.of(user)
        changed = [name for name in ("display_name", "roles", "team_ids", "languages",
                                     "is_active", "ui_language")
                   if getattr(before, name) != getattr(data, name)]
        user.display_name = data.display_name
        # Taking a role away is immediate; a new role waits for a second administrator.
        grants.remove(db, actor, user, set(before.roles) - set(data.roles), request)
        for role in sorted(set(data.roles) - set(before.roles)):
            grants.request(db, actor, user, role, request)
        user.languages = data.languages
        user.ui_language = data.ui_language
        user.is_active = data.is_active
        db.add(user)
        set_teams(db, user, data.team_ids)
        if before.is_active and not data.is_active:
            sessions.revoke_all(db, pk(user))
        action = ("user.disable" if before.is_active and not data.is_active
                  else "user.enable" if data.is_active and not before.is_active
                  else "user.update")
        audit.record(db, actor=actor, action=action,
                     detail={"user_id": user.id, "changed": changed, "roles": user.roles,
                             "teams": data.team_ids},
                     request=request)
        db.commit()
        return user, {}


@requires("admin")
async def user_update(request: Request) -> Response:
    form = await request.form()
    data = UserForm.read(form)
    user_id = request.path_params["user_id"]
    checked = csrf.check(request, form)
    if not checked.ok:
        user = await run_in_threadpool(_get_user, user_id)
        data.email = user.email
        return await run_in_threadpool(_user_form, request, data, user=user,
                                       error=csrf_message(checked), status_code=400)
    user, errors = await run_in_threadpool(_update, request, request.state.staff, user_id, data)
    if errors:
        data.email = user.email
        return await run_in_threadpool(_user_form, request, data, user=user, errors=errors,
                                       error=_("The changes were not saved."), status_code=400)
    return redirect(f"/triage/admin/users/{user_id}?saved=1")


def _reset_totp(request: Request, actor: StaffUser, user_id: int) -> None:
    """She sets the second factor up again at her next login, with her own password."""
    with db_session() as db:
        user = get_or_404(db, StaffUser, user_id)
        reset_second_factor(db, user)
        sessions.revoke_all(db, user_id)
        audit.record(db, actor=actor, action="totp.reset", detail={"user_id": user_id},
                     request=request)
        notices.tell(db, user, "staff_totp_reset", about="totp")
        db.commit()


async def _checked_post(request: Request) -> Response | None:
    form = await request.form()
    checked = csrf.check(request, form)
    if checked.ok:
        return None
    response = await run_in_threadpool(_edit_page, request, request.path_params["user_id"])
    response.status_code = 400
    return response


@requires("admin")
async def user_reset_totp(request: Request) -> Response:
    refused = await _checked_post(request)
    if refused is not None:
        return refused
    await run_in_threadpool(_reset_totp, request, request.state.staff,
                            request.path_params["user_id"])
    return redirect(f"/triage/admin/users/{request.path_params['user_id']}?saved=totp")


def _reset_password(request: Request, actor: StaffUser, user_id: int) -> None:
    """The old password stops working and a set-password link goes to her own address: the
    administrator never holds a credential of the account."""
    with db_session() as db:
        user = get_or_404(db, StaffUser, user_id)
        disable_password(db, user)
        clear_all_locks(db, user_id)
        sessions.revoke_all(db, user_id)
        audit.record(db, actor=actor, action="user.password_reset", detail={"user_id": user_id},
                     request=request)
        links.send(db, user, "reset")
        db.commit()


@requires("admin")
async def user_reset_password(request: Request) -> Response:
    refused = await _checked_post(request)
    if refused is not None:
        return refused
    user_id = request.path_params["user_id"]
    await run_in_threadpool(_reset_password, request, request.state.staff, user_id)
    return redirect(f"/triage/admin/users/{user_id}?saved=password")


# Role grants ------------------------------------------------------------------------------------

def _decide(request: Request, actor: StaffUser, grant_id: int, approve: bool) -> str:
    from triage.accounts.models import RoleGrant

    with db_session() as db:
        grant = get_or_404(db, RoleGrant, grant_id)
        try:
            if approve:
                grants.approve(db, actor, grant, request)
            else:
                grants.reject(db, actor, grant, request)
        except grants.GrantError as refused:
            db.rollback()
            return refused.code
        db.commit()
        return "approved" if approve else "rejected"


async def _grant_post(request: Request, approve: bool) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    if not checked.ok:
        context = await run_in_threadpool(_user_list)
        context.update(notice="", error=csrf_message(checked))
        return page(request, "triage/accounts/admin_users.html", context, status_code=400)
    result = await run_in_threadpool(_decide, request, request.state.staff,
                                     request.path_params["grant_id"], approve)
    return redirect(f"/triage/admin/users?grant={result}")


@requires("admin")
async def grant_approve(request: Request) -> Response:
    return await _grant_post(request, True)


@requires("admin")
async def grant_reject(request: Request) -> Response:
    return await _grant_post(request, False)


# Teams ------------------------------------------------------------------------------------------

def _team_list() -> dict:
    with db_session() as db:
        rows = [(team, len(members(db, pk(team)))) for team in teams(db)]
    return {"rows": rows}


@requires("admin")
async def team_list(request: Request) -> Response:
    return page(request, "triage/accounts/admin_teams.html", await run_in_threadpool(_team_list))


@dataclass
class TeamForm:
    name: str = ""
    email: str = ""
    auto_assign: bool = False

    @classmethod
    def read(cls, form: FormData) -> TeamForm:
        return cls(clipped(form, "name", 120), normalise_email(clipped(form, "email", 320)),
                   form.get("auto_assign") == "on")


def _team_form(request: Request, form: TeamForm, *, team: Team | None = None,
               errors: dict[str, str] | None = None, error: str = "",
               status_code: int = 200) -> Response:
    member_list: list[StaffUser] = []
    if team is not None:
        with db_session() as db:
            member_list = members(db, pk(team))
    return page(request, "triage/accounts/admin_team_form.html",
                {"form": form, "team": team, "members": member_list, "errors": errors or {},
                 "error": error}, status_code=status_code)


def _team_errors(db: Session, data: TeamForm, team_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.name:
        errors["name"] = _("Give the team a name.")
    else:
        clash = next((t for t in teams(db) if t.id != team_id and
                      (t.name.casefold() == data.name.casefold() or
                       t.slug == slugify(data.name))), None)
        if clash is not None:
            errors["name"] = _("There is already a team with this name.")
    if data.email and not valid_email(data.email):
        errors["email"] = _("Type an email address, like team@example.org, or leave it empty.")
    return errors


@requires("admin")
async def team_new(request: Request) -> Response:
    return _team_form(request, TeamForm())


def _save_team(request: Request, actor: StaffUser, team_id: int | None, data: TeamForm
               ) -> tuple[Team | None, dict[str, str]]:
    with db_session() as db:
        team = get_or_404(db, Team, team_id) if team_id is not None else None
        errors = _team_errors(db, data, team_id)
        if errors:
            return team, errors
        if team is None:
            team = create_team(db, name=data.name, email=data.email,
                               auto_assign=data.auto_assign)
            action, changed = "team.create", ["name", "email", "auto_assign"]
        else:
            changed = [n for n in ("name", "email", "auto_assign")
                       if getattr(team, n) != getattr(data, n)]
            team.name, team.email, team.auto_assign = data.name, data.email, data.auto_assign
            db.add(team)
            action = "team.update"
        db.flush()
        audit.record(db, actor=actor, action=action,
                     detail={"team_id": team.id, "changed": changed,
                             "auto_assign": team.auto_assign},
                     request=request)
        db.commit()
        return team, {}


async def _team_post(request: Request, team_id: int | None) -> Response:
    form = await request.form()
    data = TeamForm.read(form)
    team = await run_in_threadpool(_get_team, team_id) if team_id is not None else None
    checked = csrf.check(request, form)
    if not checked.ok:
        return await run_in_threadpool(_team_form, request, data, team=team,
                                       error=csrf_message(checked), status_code=400)
    _saved, errors = await run_in_threadpool(_save_team, request, request.state.staff, team_id,
                                             data)
    if errors:
        return await run_in_threadpool(_team_form, request, data, team=team, errors=errors,
                                       error=_("The team was not saved."), status_code=400)
    return redirect("/triage/admin/teams?saved=1")


@requires("admin")
async def team_create(request: Request) -> Response:
    return await _team_post(request, None)


@requires("admin")
async def team_edit(request: Request) -> Response:
    team = await run_in_threadpool(_get_team, request.path_params["team_id"])
    return await run_in_threadpool(_team_form, request,
                                   TeamForm(team.name, team.email, team.auto_assign), team=team)


@requires("admin")
async def team_update(request: Request) -> Response:
    return await _team_post(request, request.path_params["team_id"])
