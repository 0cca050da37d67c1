"""Every staff route × every role × anonymous, walked from the app's own routes.

Adding a route under /triage without an entry in EXPECTED (and, for a new path parameter, in
PARAMS) fails `test_every_staff_route_has_an_expectation`. Route names are `<part>.<page>`
(`accounts.login`, `casework.case`, `hours.edit`); one entry per route name.

An entry is PUBLIC (no login needed) or a {role: status} mapping for the four staff roles below.
For GET the status is exact (200 or 403, or what the page answers when allowed); for POST a 403
means "refused for this role" and anything else means "allowed" (an empty form may answer 400 or
303, never 403 and never an error). Every POST route must also refuse a missing CSRF token and
change nothing in the database (every row of every table is compared).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import date
from functools import cached_property

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from yhteys.db import get_engine

ROLES: dict[str, tuple[str, ...]] = {
    "advisor": ("advisor",),
    "supervisor": ("supervisor",),
    "admin": ("admin",),
    "admin+supervisor": ("admin", "supervisor"),
}
PUBLIC = "public"


def allow(*who: str) -> dict[str, int]:
    return {role: 200 if role in who else 403 for role in ROLES}


ANY_STAFF = allow(*ROLES)
CASEWORK = allow("advisor", "supervisor", "admin+supervisor")  # who may read cases
SUPERVISORS = allow("supervisor", "admin+supervisor")
ADMINS = allow("admin", "admin+supervisor")

EXPECTED: dict[str, str | dict[str, int]] = {
    # accounts
    "accounts.login": PUBLIC,
    "accounts.login_submit": PUBLIC,
    "accounts.login_totp": PUBLIC,
    "accounts.login_totp_submit": PUBLIC,
    "accounts.logout": PUBLIC,  # logging out needs no login; anonymous is sent to the login page
    "accounts.set_password_link": PUBLIC,  # the emailed single-use link is the credential
    "accounts.set_password_link_submit": PUBLIC,
    "accounts.account": ANY_STAFF,
    "accounts.password": ANY_STAFF,
    "accounts.password_submit": ANY_STAFF,
    "accounts.totp": ANY_STAFF,
    "accounts.totp_submit": ANY_STAFF,
    "accounts.recovery_codes": ANY_STAFF,
    "accounts.end_other_sessions": ANY_STAFF,
    "accounts.audit": SUPERVISORS,
    "accounts.audit_export": SUPERVISORS,
    "accounts.users": ADMINS,
    "accounts.user_new": ADMINS,
    "accounts.user_create": ADMINS,
    "accounts.user": ADMINS,
    "accounts.user_update": ADMINS,
    "accounts.user_reset_totp": ADMINS,
    "accounts.user_reset_password": ADMINS,
    "accounts.grant_approve": ADMINS,  # and never the requester or the grantee (own tests)
    "accounts.grant_reject": ADMINS,
    "accounts.teams": ADMINS,
    "accounts.team_new": ADMINS,
    "accounts.team_create": ADMINS,
    "accounts.team": ADMINS,
    "accounts.team_update": ADMINS,
    "accounts.api_keys": ADMINS,
    "accounts.api_key_create": ADMINS,
    "accounts.api_key_revoke": ADMINS,
    # casework (the case is in the advisor's team: see World.case)
    "casework.home": CASEWORK,
    "casework.board": CASEWORK,
    "casework.search": CASEWORK,
    "casework.search_submit": CASEWORK,
    "casework.case": CASEWORK,
    "casework.claim": CASEWORK,
    "casework.assign": CASEWORK,
    "casework.state": CASEWORK,
    "casework.priority": CASEWORK,
    "casework.refer": CASEWORK,
    "casework.close": CASEWORK,
    "casework.note": CASEWORK,
    "casework.calls_today": CASEWORK,
    "casework.call": CASEWORK,
    "casework.seen": CASEWORK,
    "casework.end_link": CASEWORK,
    "casework.duplicate": CASEWORK,
    "casework.route": CASEWORK,
    "casework.speaker": CASEWORK,
    "casework.reply": CASEWORK,
    "casework.transfer_request": CASEWORK,
    "casework.attachment": CASEWORK,
    "casework.rules": SUPERVISORS,
    "casework.rules_save": SUPERVISORS,
    "casework.rule_delete": SUPERVISORS,
    "casework.saved_replies": SUPERVISORS,
    "casework.saved_replies_save": SUPERVISORS,
    "casework.saved_reply_delete": SUPERVISORS,
    "casework.language_pool": SUPERVISORS,
    "casework.language_pool_add": SUPERVISORS,
    "casework.language_pool_remove": SUPERVISORS,
    "casework.sla": SUPERVISORS,
    "dashboard.page": SUPERVISORS,
    "dashboard.figures_csv": SUPERVISORS,
    "dashboard.figures_xlsx": SUPERVISORS,
    "casework.sla_save": SUPERVISORS,
    # hours
    "hours.edit": SUPERVISORS,
    "hours.slot_new": SUPERVISORS,
    "hours.slot_edit": SUPERVISORS,
    "hours.slot_delete": SUPERVISORS,
    "hours.exception_new": SUPERVISORS,
    "hours.exception_edit": SUPERVISORS,
    "hours.exception_delete": SUPERVISORS,
    "hours.contacts": SUPERVISORS,
    # exports and data-protection requests
    "exports.cases_csv": SUPERVISORS,
    "exports.cases_xlsx": SUPERVISORS,
    "privacy.access_export": SUPERVISORS,
    "privacy.erase_form": SUPERVISORS,
    "privacy.erase": SUPERVISORS,
}


class World:
    """The rows a route's path parameters point at, made when first asked for."""

    def __init__(self, make_team, make_staff) -> None:  # noqa: ANN001
        self.team = make_team("Family reunification")
        self.other_team = make_team("Tracing")
        self.staff = {
            role: make_staff(roles=roles, teams=[self.team] if role == "advisor" else [])
            for role, roles in ROLES.items()
        }

    def _add(self, row):  # noqa: ANN001, ANN202
        with Session(get_engine(), expire_on_commit=False) as db:
            db.add(row)
            db.commit()
            db.refresh(row)
            return row

    @cached_property
    def case(self):  # noqa: ANN201
        from tests.triage.casework_factories import make_case

        return make_case(announce=False, team_id=self.team.id, state="new")

    @cached_property
    def attachment(self):  # noqa: ANN201
        from intake.models import Attachment
        from intake.storage import storage

        data = b"%PDF-1.4 test"
        return self._add(Attachment(case_id=self.case.id, storage_key=storage().save(data),
                                    filename="letter.pdf", content_type="application/pdf",
                                    size=len(data), sha256=hashlib.sha256(data).hexdigest()))

    @cached_property
    def grant(self):  # noqa: ANN201
        from triage.accounts.models import RoleGrant

        return self._add(RoleGrant(user_id=self.staff["advisor"].id, role="supervisor",
                                   requested_by=999_999))

    @cached_property
    def routing_rule(self):  # noqa: ANN201
        from triage.casework.models import RoutingRule

        return self._add(RoutingRule(kind="tracing", team_id=self.other_team.id))

    @cached_property
    def saved_reply(self):  # noqa: ANN201
        from triage.casework.models import SavedReply

        return self._add(SavedReply(language="fi", title="Kiitos", body="Kiitos viestistä."))

    @cached_property
    def pool_member(self):  # noqa: ANN201
        from triage.casework.models import LanguagePoolMember

        return self._add(LanguagePoolMember(language="ti", interpreter_name="Interpreter",
                                            interpreter_contact="+358 40 000 0000"))

    @cached_property
    def hours_slot(self):  # noqa: ANN201
        from intake.hours.models import HoursSlot

        return self._add(HoursSlot(channel="chat", weekday=1, start_minute=600, end_minute=720,
                                   languages=["fi"]))

    @cached_property
    def hours_exception(self):  # noqa: ANN201
        from intake.hours.models import HoursException

        return self._add(HoursException(day=date(2030, 1, 2), channel="all", kind="closed"))


# One value per path parameter name, from the World.
PARAMS: dict[str, Callable[[World], object]] = {
    "user_id": lambda w: w.staff["advisor"].id,
    "team_id": lambda w: w.team.id,
    "grant_id": lambda w: w.grant.id,
    "reference": lambda w: w.case.reference,
    "attachment_id": lambda w: w.attachment.id,
    "rule_id": lambda w: w.routing_rule.id,
    "reply_id": lambda w: w.saved_reply.id,
    "member_id": lambda w: w.pool_member.id,
    "slot_id": lambda w: w.hours_slot.id,
    "exception_id": lambda w: w.hours_exception.id,
}


def staff_routes() -> list[Route]:
    from yhteys.app import collect_routes
    from yhteys.routing import register_convertors

    register_convertors()
    [mount] = [r for r in collect_routes() if isinstance(r, Mount) and r.path == "/triage"]
    found: list[Route] = []

    def walk(routes, prefix: str) -> None:  # noqa: ANN001
        for route in routes:
            if isinstance(route, Mount):
                walk(route.routes, prefix + route.path)
            elif isinstance(route, Route):
                found.append(route)

    walk(mount.routes, "")
    return found


ROUTES = staff_routes()
ROUTES_BY_NAME = {r.name: r for r in ROUTES}


def path_of(route: Route, world: World) -> str:
    params = {name: PARAMS[name](world) for name in route.param_convertors}
    return "/triage" + route.url_path_for(route.name, **params)


def methods(route: Route) -> list[str]:
    return sorted(m for m in (route.methods or {"GET"}) if m != "HEAD")


@pytest.fixture
def world(make_team, make_staff) -> World:  # noqa: ANN001
    return World(make_team, make_staff)


@pytest.fixture
def client_for(app, login_fast):  # noqa: ANN001, ANN201
    def make(user=None) -> TestClient:  # noqa: ANN001
        c = TestClient(app, base_url="http://testserver", follow_redirects=False)
        if user is not None:
            login_fast(c, user)
        return c

    return make


def csrf_token(c: TestClient) -> str:
    html = c.get("/triage/login").text if "yhteys_staff" not in str(c.cookies) else \
        c.get("/triage/account").text
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_every_staff_route_has_an_expectation():
    names = [r.name for r in ROUTES]
    assert len(names) == len(set(names)), "two staff routes share a name"
    missing = sorted(set(names) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(names))
    assert not missing, f"add these routes to EXPECTED in {__file__}: {missing}"
    assert not stale, f"EXPECTED lists routes that no longer exist: {stale}"
    for name in names:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", name), f"route name {name!r} is not <part>.<page>"
    params = {p for r in ROUTES for p in r.param_convertors}
    assert not params - set(PARAMS), f"add values for {sorted(params - set(PARAMS))} to PARAMS"


@pytest.mark.parametrize("name", sorted(ROUTES_BY_NAME))
def test_anonymous_visitors_are_sent_to_login(name, world, client_for):
    route = ROUTES_BY_NAME[name]
    path = path_of(route, world)
    anonymous = client_for()
    for method in methods(route):
        data = {"csrf_token": csrf_token(anonymous)} if method == "POST" else None
        response = anonymous.request(method, path, data=data)
        assert response.headers.get("cache-control") == "no-store", (method, path)
        if EXPECTED.get(name) == PUBLIC:
            assert response.status_code < 500, (method, path)
            assert "?next=" not in response.headers.get("location", "")
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/triage/login?next=/triage/")


@pytest.mark.parametrize("name", sorted(n for n in ROUTES_BY_NAME if EXPECTED.get(n) != PUBLIC))
def test_each_role_gets_what_the_table_says(name, world, client_for):
    route = ROUTES_BY_NAME[name]
    expected = EXPECTED[name]
    assert isinstance(expected, dict) and set(expected) == set(ROLES)
    path = path_of(route, world)
    clients = {role: client_for(world.staff[role]) for role in ROLES}
    # Every GET first, then the POSTs: an allowed POST may delete what the path points at.
    for method in methods(route):
        for role, c in clients.items():
            if method == "GET":
                response = c.get(path)
                assert response.status_code == expected[role], (role, method, path)
            else:
                response = c.post(path, data={"csrf_token": csrf_token(c)})
                if expected[role] == 403:
                    assert response.status_code == 403, (role, method, path)
                else:
                    assert response.status_code not in (403, 500), (role, method, path)
                    assert "/triage/login?next=" not in response.headers.get("location", "")
            assert response.headers.get("cache-control") == "no-store", (role, method, path)


def _snapshot() -> dict[str, list[str]]:
    """Every row of every table (of sessions, all but the last-seen time each request moves)."""
    with get_engine().connect() as conn:
        tables = {}
        for table in SQLModel.metadata.sorted_tables:
            columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name != "last_seen_at")
            rows = conn.execute(text(f'SELECT {columns} FROM "{table.name}"'))  # noqa: S608
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
        return tables


POST_ROUTES = sorted(n for n, r in ROUTES_BY_NAME.items() if "POST" in (r.methods or ()))


@pytest.mark.parametrize("name", POST_ROUTES)
def test_every_post_refuses_a_missing_csrf_token(name, world, client_for):
    route = ROUTES_BY_NAME[name]
    path = path_of(route, world)
    expected = EXPECTED[name]
    if expected == PUBLIC:
        c = client_for()
    else:
        role = next(r for r, status in expected.items() if status != 403)  # type: ignore[union-attr]
        c = client_for(world.staff[role])
    c.get("/triage/login")  # the CSRF cookie is there; only the form's token is missing
    before = _snapshot()
    for data in ({}, {"csrf_token": "1700000000." + secrets.token_hex(16)}):
        response = c.post(path, data=data)
        assert response.status_code < 500, (path, data)
        assert response.status_code != 200 or "csrf_token" in response.text, (path, data)
    assert _snapshot() == before, f"a POST without a valid CSRF token changed data: {path}"


# Another team's case and a case that does not exist must look the same from outside the team:
# a 403 (or a page saying "this belongs to another team") would confirm that a reference exists.
CASE_ROUTES = sorted(n for n, r in ROUTES_BY_NAME.items() if "reference" in r.param_convertors)


def _normalised(response, reference: str, attachment_id: int) -> tuple:  # noqa: ANN001
    body = re.sub(r'name="csrf_token" value="[^"]+"', "TOKEN", response.text)
    body = body.replace(reference, "REF").replace(f"/attachments/{attachment_id}", "/ATT")
    location = response.headers.get("location", "").replace(reference, "REF")
    return response.status_code, location, body


@pytest.mark.parametrize("name", CASE_ROUTES)
def test_another_teams_case_answers_as_a_missing_one(name, world, client_for):
    from tests.triage.casework_factories import reference as new_reference

    route = ROUTES_BY_NAME[name]
    outsider = client_for(_outsider(world))
    real = path_of(route, world)
    missing_ref = new_reference()
    missing_att = world.attachment.id + 1000
    missing = real.replace(world.case.reference, missing_ref).replace(
        f"/attachments/{world.attachment.id}", f"/attachments/{missing_att}")
    for method in methods(route):
        data = {"csrf_token": csrf_token(outsider), "version": "1"} if method == "POST" else None
        theirs = outsider.request(method, real, data=data)
        nothing = outsider.request(method, missing, data=data)
        expected = EXPECTED[name]
        if isinstance(expected, dict) and expected["advisor"] == 403:
            # Refused to every advisor by role, whatever the reference: nothing is confirmed.
            assert theirs.status_code == nothing.status_code == 403, (method, real)
            continue
        assert theirs.status_code != 403, (method, real)
        if method == "GET":
            assert theirs.status_code == 404, (method, real, theirs.status_code)
        assert _normalised(theirs, world.case.reference, world.attachment.id) == _normalised(
            nothing, missing_ref, missing_att), (method, real)


def test_an_attachment_of_another_case_answers_as_a_missing_one(world, client_for, make_staff):
    from tests.triage.casework_factories import make_case

    advisor = client_for(world.staff["advisor"])
    mine = make_case(announce=False, team_id=world.team.id, state="new")
    theirs = advisor.get(f"/triage/cases/{mine.reference}/attachments/{world.attachment.id}")
    assert theirs.status_code == 404
    outsider = client_for(_outsider(world))
    other = outsider.get(f"/triage/cases/{world.case.reference}/attachments/{world.attachment.id}")
    assert other.status_code == 404


def _outsider(world: World):  # noqa: ANN202
    """An advisor of the other team: may use the board, may not read the world's case."""
    if not hasattr(world, "_outsider"):
        from triage.accounts.users import create_user

        with Session(get_engine(), expire_on_commit=False) as db:
            user = create_user(db, email="outsider@example.org", password=secrets.token_hex(8),
                               roles=["advisor"], team_ids=[world.other_team.id])
            db.commit()
            db.refresh(user)
        world._outsider = user  # type: ignore[attr-defined]
    return world._outsider  # type: ignore[attr-defined]


def test_linking_another_teams_case_answers_as_a_missing_one(world, client_for):
    from tests.triage.casework_factories import make_case
    from tests.triage.casework_factories import reference as new_reference

    advisor = client_for(world.staff["advisor"])
    mine = make_case(announce=False, team_id=world.team.id, state="new")
    hidden = make_case(announce=False, team_id=world.other_team.id, state="new")
    answers = []
    for other in (hidden.reference, new_reference()):
        page = advisor.get(f"/triage/cases/{mine.reference}").text
        response = advisor.post(f"/triage/cases/{mine.reference}/duplicate", data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            "version": re.search(r'name="version" value="(\d+)"', page).group(1),
            "other": other, "op": "link"})
        answers.append((response.status_code,
                        re.findall(r'class="notice error"[^>]*><p>([^<]+)<', response.text)))
    assert answers[0] == answers[1] and answers[0][0] == 400
