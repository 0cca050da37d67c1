"""TOTP seeds rest sealed (yhteys.crypto, purpose "totp"): a database dump holds no usable seed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from triage.accounts import totp
from triage.accounts.models import StaffUser
from yhteys import crypto
from yhteys.db import get_engine
from yhteys.settings import set_settings

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


def stored_seed(user_id: int) -> str:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT totp_secret FROM staff_user WHERE id = :id"),
                            {"id": user_id}).scalar_one()


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


def test_enrolment_stores_the_seed_sealed(client, make_staff, login_fast, use_settings):
    import re

    use_settings(frozen_now=T0)
    user = make_staff()
    login_fast(client, user)
    page = client.get("/triage/account/totp")
    shown = re.search(r'id="secret">([A-Z2-7 ]{39})<', page.text).group(1).replace(" ", "")
    stored = stored_seed(user.id)
    assert stored.startswith("enc:") and shown not in stored
    assert totp.open_seed(stored) == shown
    done = client.post("/triage/account/totp", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
        "code": totp.code_at(shown, T0)})
    assert done.status_code == 200
    with Session(get_engine()) as db:
        assert db.get(StaffUser, user.id).totp_enabled


def test_login_opens_the_sealed_seed(client, make_staff, login, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    assert stored_seed(user.id).startswith("enc:")
    assert login(client, user).status_code == 303
    assert client.get("/triage/account").status_code == 200


def test_a_seed_sealed_for_another_purpose_does_not_open(make_staff):
    user = make_staff(totp=True)
    with pytest.raises(crypto.CryptoError):
        crypto.open_text(stored_seed(user.id), "attachment")


def test_reseal_all_moves_seeds_to_the_first_key(settings, make_staff):
    old, new = crypto.new_key(), crypto.new_key()
    set_settings(replace(settings, data_keys=(old,)))
    user = make_staff(totp=True)
    before = stored_seed(user.id)
    seed = totp.open_seed(before)
    set_settings(replace(settings, data_keys=(new, old)))
    with Session(get_engine()) as db:
        assert totp.reseal_all(db) == 1
        db.commit()
        assert totp.reseal_all(db) == 0  # nothing left to do
    after = stored_seed(user.id)
    assert after != before and not crypto.text_needs_reseal(after)
    set_settings(replace(settings, data_keys=(new,)))  # the old key can go now
    assert totp.open_seed(after) == seed


def test_the_migration_seals_seeds_left_in_clear(tmp_path, settings):
    """An existing database: the revision that seals seeds runs over rows written in clear."""
    from alembic import command

    from yhteys.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0f40b58a278c")  # the accounts tables as they were first made
    seed = totp.new_secret()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO staff_user (email, display_name, password_hash, roles, languages, "
            "is_active, must_change_password, totp_secret, totp_enabled, failed_logins, "
            "lock_count, password_changed_at, created_at) VALUES ('a@example.org', '', 'x', "
            "'advisor', '[]', 1, 0, :seed, 1, 0, 0, '2026-01-01', '2026-01-01')"), {"seed": seed})
        conn.execute(text("INSERT INTO staff_team (name, slug, email, auto_assign, created_at) "
                          "VALUES ('T', 't', '', 0, '2026-01-01')"))
        conn.execute(text("INSERT INTO staff_team_membership (team_id, user_id) VALUES (1, 1)"))
        conn.execute(text(
            "INSERT INTO staff_session (id, user_id, stage, created_at, last_seen_at, "
            "client_hash, user_agent) VALUES ('s', 1, 'full', '2026-01-01', '2026-01-01', '', '')"))
    command.upgrade(config, "heads")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT totp_secret FROM staff_user")).scalar_one()
        # The columns changed in place: nothing that points at the account was cascaded away.
        kept = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
                for t in ("staff_team_membership", "staff_session")]
    engine.dispose()
    assert stored.startswith("enc:") and seed not in stored
    assert totp.open_seed(stored) == seed
    assert kept == [1, 1]


def test_the_admin_page_does_not_show_the_seed(make_staff, quick_client, login_fast):
    admin = make_staff(roles=("admin",))
    user = make_staff(totp=True)
    login_fast(quick_client, admin)
    seed = totp.open_seed(stored_seed(user.id))
    assert seed not in quick_client.get(f"/triage/admin/users/{user.id}").text
    with Session(get_engine()) as db:
        assert db.exec(select(StaffUser).where(StaffUser.totp_secret == seed)).first() is None
