"""An administrator cannot become anyone: roles need a second administrator, resets give the
resetting administrator no credential, and the person is told by email."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from starlette.testclient import TestClient

from notify.models import Notification
from tests.triage.conftest import STAFF_PASSWORD
from triage.accounts import links
from triage.accounts.models import AuditEvent, PasswordLink, RoleGrant, StaffUser
from yhteys.db import get_engine

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)

@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


def browser(app) -> TestClient:  # noqa: ANN001
    return TestClient(app, base_url="http://testserver", follow_redirects=False,
                      headers={"accept-language": "en"})


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client: TestClient, path: str, **data):  # noqa: ANN003, ANN201
    return client.post(path, data={"csrf_token": token(client.get("/triage/account").text),
                                   **data})


def fresh(user_id: int) -> StaffUser:
    with Session(get_engine(), expire_on_commit=False) as db:
        return db.get(StaffUser, user_id)


def grants(user_id: int) -> list[RoleGrant]:
    with Session(get_engine(), expire_on_commit=False) as db:
        return list(db.exec(select(RoleGrant).where(RoleGrant.user_id == user_id)).all())


def actions() -> list[str]:
    with Session(get_engine()) as db:
        return [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def can_log_in(app, email: str, password: str) -> bool:  # noqa: ANN001
    other = browser(app)
    page = other.get("/triage/login")
    return other.post("/triage/login", data={"csrf_token": token(page.text), "email": email,
                                             "password": password}).status_code == 303


@pytest.fixture
def admins(app, make_staff, login_fast):  # noqa: ANN001, ANN201
    first, second = make_staff(roles=("admin",)), make_staff(roles=("admin",))
    a, b = browser(app), browser(app)
    login_fast(a, first)
    login_fast(b, second)
    return (first, a), (second, b)


def test_an_admin_cannot_give_herself_a_case_role(admins):
    (mallory, her), (bob, his) = admins
    response = post(her, f"/triage/admin/users/{mallory.id}", display_name="M",
                    roles=["admin", "supervisor"], is_active="on")
    assert response.status_code == 303
    assert fresh(mallory.id).role_set == {"admin"}  # not yet
    [grant] = grants(mallory.id)
    assert (grant.role, grant.state, grant.requested_by) == ("supervisor", "pending", mallory.id)
    assert her.get("/triage/audit").status_code == 403
    # She cannot approve her own request, and it shows on the Users page.
    assert post(her, f"/triage/admin/grants/{grant.id}/approve").status_code == 303
    assert grants(mallory.id)[0].state == "pending" and fresh(mallory.id).role_set == {"admin"}
    page = his.get("/triage/admin/users").text
    assert f"/triage/admin/grants/{grant.id}/approve" in page
    # A different administrator approves: then, and only then, she has the role.
    assert post(his, f"/triage/admin/grants/{grant.id}/approve").status_code == 303
    assert fresh(mallory.id).role_set == {"admin", "supervisor"}
    assert [a for a in actions() if a.startswith("role.")] == ["role.requested", "role.granted"]
    with Session(get_engine()) as db:
        granted = db.exec(select(AuditEvent).where(AuditEvent.action == "role.granted")).one()
    assert granted.actor_id == bob.id and granted.detail["requested_by"] == mallory.id


def test_the_grantee_cannot_approve_a_role_asked_for_her(admins):
    (alice, hers), (bob, his) = admins
    post(hers, f"/triage/admin/users/{bob.id}", roles=["admin", "advisor"], is_active="on")
    [grant] = grants(bob.id)
    post(his, f"/triage/admin/grants/{grant.id}/approve")
    assert grants(bob.id)[0].state == "pending" and not fresh(bob.id).has_role("advisor")
    post(hers, f"/triage/admin/grants/{grant.id}/reject")  # the requester withdraws it
    assert grants(bob.id)[0].state == "cancelled"


def test_a_puppet_admin_needs_approval_too(admins, make_staff):
    (mallory, her), _ = admins
    puppet = make_staff(roles=("advisor",))
    post(her, f"/triage/admin/users/{puppet.id}", roles=["advisor", "admin"], is_active="on")
    assert not fresh(puppet.id).has_role("admin")
    assert [g.role for g in grants(puppet.id)] == ["admin"]


def test_removing_a_role_is_immediate(admins, make_staff):
    (alice, hers), _ = admins
    user = make_staff(roles=("advisor", "supervisor"))
    post(hers, f"/triage/admin/users/{user.id}", roles=["advisor"], is_active="on")
    assert fresh(user.id).role_set == {"advisor"}
    assert "role.removed" in actions()


def test_a_new_account_gets_a_link_by_email_never_a_password(app, admins, make_team):
    (alice, hers), (bob, his) = admins
    team = make_team("Tracing")
    response = post(hers, "/triage/admin/users/new", email="Nina@Example.org",
                    display_name="Nina", roles=["advisor"], teams=[str(team.id)])
    assert response.status_code == 303
    page = hers.get(response.headers["location"])
    assert "one-time-password" not in page.text and "sent" in page.text
    with Session(get_engine(), expire_on_commit=False) as db:
        nina = db.exec(select(StaffUser).where(StaffUser.email == "nina@example.org")).one()
        [link] = db.exec(select(PasswordLink).where(PasswordLink.user_id == nina.id)).all()
    assert nina.role_set == set() and [g.role for g in grants(nina.id)] == ["advisor"]
    assert nina.team_ids == {team.id}
    assert link.purpose == "welcome" and len(link.token_hash) == 64
    assert link.expires_at.replace(tzinfo=UTC) - link.created_at.replace(tzinfo=UTC) <= \
        timedelta(hours=24)
    assert "user.create" in actions()


def test_a_password_reset_gives_the_admin_no_credential(app, admins, make_staff, login_fast):
    (mallory, her), _ = admins
    victim = make_staff(roles=("supervisor",), totp=True)
    theirs = browser(app)
    login_fast(theirs, victim)
    response = post(her, f"/triage/admin/users/{victim.id}/reset-password")
    assert response.status_code == 303
    page = her.get(response.headers["location"]).text
    assert "one-time-password" not in page and "secret" not in page
    assert not can_log_in(app, victim.email, STAFF_PASSWORD)  # the old password is gone too
    assert theirs.get("/triage/account").status_code == 303  # her sessions ended
    with Session(get_engine()) as db:
        [link] = db.exec(select(PasswordLink).where(PasswordLink.user_id == victim.id)).all()
    assert link.purpose == "reset" and link.used_at is None
    assert link.expires_at.replace(tzinfo=UTC) - link.created_at.replace(tzinfo=UTC) <= \
        timedelta(hours=1)
    # Reset the second factor too: still nothing to log in with.
    post(her, f"/triage/admin/users/{victim.id}/reset-totp")
    assert not can_log_in(app, victim.email, STAFF_PASSWORD)
    assert "user.password_reset" in actions() and "totp.reset" in actions()


def test_the_set_password_link_works_once(app, make_staff, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff()
    with Session(get_engine(), expire_on_commit=False) as db:
        _link, secret = links.issue(db, db.get(StaffUser, user.id), "reset")
        db.commit()
    person = browser(app)
    page = person.get(f"/triage/set-password?token={secret}")
    assert page.status_code == 200
    weak = person.post("/triage/set-password", data={
        "csrf_token": token(page.text), "token": secret, "new": "password1234",
        "repeat": "password1234"})
    assert weak.status_code == 400 and "common" in weak.text
    done = person.post("/triage/set-password", data={
        "csrf_token": token(page.text), "token": secret, "new": "lumi sataa hiljaa illalla",
        "repeat": "lumi sataa hiljaa illalla"})
    assert done.status_code == 303 and done.headers["location"].startswith("/triage/login")
    assert can_log_in(app, user.email, "lumi sataa hiljaa illalla")
    again = person.get(f"/triage/set-password?token={secret}")
    assert again.status_code == 404 and "new-password" not in again.text
    assert "password.set" in actions()


def test_an_expired_link_is_refused(app, make_staff, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff()
    with Session(get_engine(), expire_on_commit=False) as db:
        _link, secret = links.issue(db, db.get(StaffUser, user.id), "reset")
        db.commit()
    use_settings(frozen_now=T0 + timedelta(minutes=59))
    assert browser(app).get(f"/triage/set-password?token={secret}").status_code == 200
    use_settings(frozen_now=T0 + timedelta(hours=1, seconds=1))
    person = browser(app)
    assert person.get(f"/triage/set-password?token={secret}").status_code == 404
    assert person.get("/triage/set-password?token=nonsense").status_code == 404
    late = person.post("/triage/set-password", data={
        "csrf_token": token(person.get("/triage/login").text), "token": secret,
        "new": "lumi sataa hiljaa illalla", "repeat": "lumi sataa hiljaa illalla"})
    assert late.status_code == 404 and "new-password" not in late.text
    assert not can_log_in(app, user.email, "lumi sataa hiljaa illalla")
    assert "password.set" not in actions()


def test_after_a_totp_reset_she_enrols_again_with_her_own_password(app, admins, make_staff,
                                                                    login):
    (alice, hers), _ = admins
    user = make_staff(totp=True)
    post(hers, f"/triage/admin/users/{user.id}/reset-totp")
    assert fresh(user.id).must_enrol_totp and not fresh(user.id).totp_enabled
    person = browser(app)
    login(person, fresh(user.id))
    assert person.get("/triage/").headers["location"] == "/triage/account/totp"


def test_the_person_is_told_and_the_link_never_rests_in_clear(app, admins, make_staff):
    (alice, hers), (bob, his) = admins
    user = make_staff(roles=("advisor", "supervisor"), totp=True)
    post(hers, f"/triage/admin/users/{user.id}/reset-password")
    post(hers, f"/triage/admin/users/{user.id}/reset-totp")
    post(hers, f"/triage/admin/users/{user.id}", roles=["advisor"], is_active="on")
    post(hers, f"/triage/admin/users/{user.id}", roles=["advisor", "admin"], is_active="on")
    [grant] = [g for g in grants(user.id) if g.state == "pending"]
    post(his, f"/triage/admin/grants/{grant.id}/approve")
    with Session(get_engine()) as db:
        rows = db.exec(select(Notification).where(Notification.recipient == user.email)).all()
    assert sorted(r.event for r in rows) == sorted([
        "staff_password_reset", "staff_totp_reset", "staff_role_removed", "staff_role_granted"])
    with get_engine().connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM notification")).all())
    assert links.PATH not in dump and "token=" not in dump
