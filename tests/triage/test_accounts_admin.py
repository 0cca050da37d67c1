"""Admins manage users and teams; every change is in the audit trail."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from triage.accounts.models import (
    AuditEvent,
    LoginLock,
    RecoveryCode,
    StaffSession,
    StaffUser,
    Team,
)
from yhteys.db import get_engine


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


@pytest.fixture
def admin(client, make_staff, login_fast):  # noqa: ANN001, ANN201
    user = make_staff(roles=("admin",), email="admin@example.org")
    login_fast(client, user)
    return user


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client, path: str, **data):  # noqa: ANN001, ANN003, ANN201
    return client.post(path, data={"csrf_token": token(client.get("/triage/account").text),
                                   **data})


def get_user(email: str) -> StaffUser | None:
    with Session(get_engine(), expire_on_commit=False) as db:
        return db.exec(select(StaffUser).where(StaffUser.email == email)).first()


def last_event(action: str) -> AuditEvent:
    with Session(get_engine()) as db:
        return db.exec(select(AuditEvent).where(AuditEvent.action == action)
                       .order_by(AuditEvent.id.desc())).first()


def test_admin_creates_a_user_who_sets_her_own_password(client, app, admin, make_team):
    from triage.accounts import links

    team = make_team("Tracing")
    response = post(client, "/triage/admin/users/new", email="New.Advisor@Example.org",
                    display_name="Nina", roles=["advisor"], teams=[str(team.id)],
                    languages=["fi", "so", "xx"])
    assert response.status_code == 303
    user = get_user("new.advisor@example.org")
    assert user.roles == "" and user.team_ids == {team.id}  # the role waits for approval
    assert user.languages == ["fi", "so"]  # unknown codes are dropped
    event = last_event("user.create")
    assert event.actor_id == admin.id
    assert event.detail == {"user_id": user.id, "roles": "", "teams": [team.id]}
    assert last_event("role.requested").detail["role"] == "advisor"

    # The newcomer follows the emailed link (here: a fresh one) and chooses her password.
    from starlette.testclient import TestClient

    with Session(get_engine(), expire_on_commit=False) as db:
        _link, secret = links.issue(db, db.get(StaffUser, user.id), "welcome")
        db.commit()
    newcomer = TestClient(app, follow_redirects=False, headers={"accept-language": "en"})
    page = newcomer.get(f"/triage/set-password?token={secret}")
    assert "Choose your password" in page.text
    done = newcomer.post("/triage/set-password", data={
        "csrf_token": token(page.text), "token": secret,
        "new": "my own long password", "repeat": "my own long password"})
    assert done.status_code == 303
    page = newcomer.get("/triage/login")
    newcomer.post("/triage/login", data={"csrf_token": token(page.text), "email": user.email,
                                         "password": "my own long password"})
    assert newcomer.get("/triage/account").status_code == 200


def test_creating_a_user_checks_the_form(client, admin):
    response = post(client, "/triage/admin/users/new", email="not-an-email", roles=[])
    assert response.status_code == 400
    assert "Type an email address" in response.text and "Choose at least one role" in response.text
    taken = post(client, "/triage/admin/users/new", email="ADMIN@example.org", roles=["advisor"])
    assert taken.status_code == 400 and "already an account" in taken.text
    assert last_event("user.create") is None


def test_admin_edits_roles_teams_and_languages(client, admin, make_staff, make_team):
    team_a, team_b = make_team("Tracing"), make_team("Social services")
    user = make_staff(teams=[team_a], languages=("fi",))
    response = post(client, f"/triage/admin/users/{user.id}", display_name="Renamed",
                    roles=["advisor", "supervisor"], teams=[str(team_b.id)],
                    languages=["ar", "fi"], is_active="on")
    assert response.status_code == 303
    fresh = get_user(user.email)
    # Supervisor is asked for, not given: another administrator approves it.
    assert fresh.role_set == {"advisor"} and fresh.team_ids == {team_b.id}
    assert fresh.languages == ["fi", "ar"] and fresh.display_name == "Renamed"
    event = last_event("user.update")
    assert set(event.detail["changed"]) == {"display_name", "roles", "team_ids", "languages"}
    page = client.get(f"/triage/admin/users/{user.id}")
    assert 'value="supervisor" checked> Supervisor <span class="tag">waiting' in page.text


def test_disabling_a_user_logs_them_out_at_once(client, app, admin, make_staff, login_fast):
    from starlette.testclient import TestClient

    user = make_staff()
    their = TestClient(app, follow_redirects=False)
    login_fast(their, user)
    assert their.get("/triage/account").status_code == 200
    post(client, f"/triage/admin/users/{user.id}", roles=["advisor"], display_name="x")
    assert not get_user(user.email).is_active
    assert their.get("/triage/account").status_code == 303
    assert last_event("user.disable").detail["user_id"] == user.id
    post(client, f"/triage/admin/users/{user.id}", roles=["advisor"], is_active="on")
    assert get_user(user.email).is_active
    assert last_event("user.enable").detail["user_id"] == user.id
    login_fast(their, user)  # enabled again, she can log in again
    assert their.get("/triage/account").status_code == 200


def test_admins_cannot_lock_themselves_out(client, admin):
    response = post(client, f"/triage/admin/users/{admin.id}", roles=["advisor"],
                    is_active="on")
    assert response.status_code == 400
    assert get_user(admin.email).has_role("admin")


def test_reset_second_factor(client, app, admin, make_staff, login_fast):
    from starlette.testclient import TestClient

    from triage.accounts.login import issue_recovery_codes

    user = make_staff(totp=True)
    with Session(get_engine()) as db:
        issue_recovery_codes(db, db.get(StaffUser, user.id))
        db.commit()
    their = TestClient(app, follow_redirects=False)
    login_fast(their, user)
    response = post(client, f"/triage/admin/users/{user.id}/reset-totp")
    assert response.status_code == 303
    fresh = get_user(user.email)
    assert not fresh.totp_enabled and fresh.totp_secret is None
    with Session(get_engine()) as db:
        assert not db.exec(select(RecoveryCode)).all()
    assert their.get("/triage/account").status_code == 303
    assert last_event("totp.reset").detail == {"user_id": user.id}


def test_reset_password_unlocks_and_ends_sessions(client, admin, make_staff, login_fast):
    user = make_staff()
    with Session(get_engine()) as db:
        db.add(LoginLock(user_id=user.id, scope="account", failures=3, lock_count=2))
        db.commit()
    response = post(client, f"/triage/admin/users/{user.id}/reset-password")
    assert response.status_code == 303
    assert "sent to the person" in client.get(response.headers["location"]).text
    with Session(get_engine()) as db:
        assert not db.exec(select(LoginLock)).all()
    assert last_event("user.password_reset").detail == {"user_id": user.id}


def test_admin_creates_and_edits_teams(client, admin):
    response = post(client, "/triage/admin/teams/new", name="Undocumented advice",
                    email="Paperittomat@Example.org", auto_assign="on")
    assert response.status_code == 303
    with Session(get_engine()) as db:
        team = db.exec(select(Team)).one()
    assert (team.slug, team.email, team.auto_assign) == (
        "undocumented-advice", "paperittomat@example.org", True)
    assert last_event("team.create").detail["team_id"] == team.id

    clash = post(client, "/triage/admin/teams/new", name="undocumented advice")
    assert clash.status_code == 400 and "already a team" in clash.text
    bad = post(client, f"/triage/admin/teams/{team.id}", name="Undocumented", email="nope")
    assert bad.status_code == 400

    post(client, f"/triage/admin/teams/{team.id}", name="Undocumented advice")
    with Session(get_engine()) as db:
        assert db.get(Team, team.id).auto_assign is False
    assert last_event("team.update").detail["changed"] == ["email", "auto_assign"]
    assert "Undocumented advice" in client.get("/triage/admin/teams").text


def test_unknown_user_or_team_is_404(client, admin):
    assert client.get("/triage/admin/users/9999").status_code == 404
    assert client.get("/triage/admin/teams/9999").status_code == 404


def test_admin_only_lands_on_user_administration(client, make_staff, login):
    user = make_staff(roles=("admin",))
    response = login(client, user)
    assert response.headers["location"] == "/triage/admin/users"
    html = client.get("/triage/admin/users").text
    assert ">Board<" not in html and "Users and teams" in html
    assert client.get("/triage/audit").status_code == 403


def test_sessions_of_a_user_show_on_their_account(client, make_staff, login_fast):
    user = make_staff()
    login_fast(client, user)
    with Session(get_engine()) as db:
        assert len(db.exec(select(StaffSession)).all()) == 1
    assert "this device" in client.get("/triage/account").text
