"""`yhteys create-user` and the demo staff."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from sqlmodel import Session, select

from triage.accounts.models import AuditEvent, StaffUser, Team
from triage.accounts.passwords import verify_password
from yhteys.cli import main
from yhteys.db import get_engine
from yhteys.settings import set_settings


def users() -> list[StaffUser]:
    with Session(get_engine(), expire_on_commit=False) as db:
        return list(db.exec(select(StaffUser)).all())


def test_create_user_from_stdin_prints_nothing_secret(settings, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a very long admin password\n"))
    code = main(["create-user", "--email", "Boss@Example.org", "--role", "admin", "--role",
                 "supervisor", "--name", "Boss", "--password-stdin"])
    out = capsys.readouterr()
    assert code == 0
    assert "a very long admin password" not in out.out + out.err
    [user] = users()
    assert user.email == "boss@example.org" and user.role_set == {"admin", "supervisor"}
    assert verify_password(user.password_hash, "a very long admin password")
    with Session(get_engine()) as db:
        event = db.exec(select(AuditEvent)).one()
    assert event.action == "user.create" and event.detail["via"] == "command"


def test_create_user_prompts_twice_with_getpass(settings, monkeypatch):
    answers = iter(["first password long", "second password long"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["create-user", "--email", "a@example.org", "--role", "admin"]) == 2
    assert users() == []
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass",
                        lambda prompt="": prompts.append(prompt) or "the same long password")
    assert main(["create-user", "--email", "a@example.org", "--role", "admin"]) == 0
    assert len(prompts) == 2  # asked, then asked to repeat
    [user] = users()
    assert user.email == "a@example.org" and user.role_set == {"admin"}
    assert verify_password(user.password_hash, "the same long password")


def test_create_user_refuses_a_weak_password_and_a_duplicate(settings, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["create-user", "--email", "a@example.org", "--role", "admin",
                 "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("a@example.org\n"))
    assert main(["create-user", "--email", "a@example.org", "--role", "admin",
                 "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("a fine long password\n"))
    assert main(["create-user", "--email", "a@example.org", "--role", "admin",
                 "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a fine long password\n"))
    assert main(["create-user", "--email", "A@example.org", "--role", "advisor",
                 "--password-stdin"]) == 1
    assert len(users()) == 1


def test_demo_staff_is_idempotent_and_prints_working_passwords(settings, capsys):
    from triage.demo import seed_staff

    seed_staff()
    first = capsys.readouterr().out
    seed_staff()
    assert capsys.readouterr().out == first
    with Session(get_engine(), expire_on_commit=False) as db:
        teams = {t.slug for t in db.exec(select(Team)).all()}
        staff = list(db.exec(select(StaffUser)).all())
    assert teams == {"family-reunification", "tracing", "social-services", "undocumented-advice"}
    assert {r for u in staff for r in u.role_set} == {"advisor", "supervisor", "admin"}
    assert {lang for u in staff for lang in u.languages} >= {"fi", "sv", "en", "ar", "fa", "ru",
                                                               "so"}
    for user in staff:
        password = next(line.split()[1] for line in first.splitlines()
                        if line.strip().startswith(user.email))
        assert verify_password(user.password_hash, password)
    advisors = [u for u in staff if u.has_role("advisor")]
    assert len({t for u in advisors for t in u.team_ids}) == 4  # every team has an advisor


def test_demo_staff_is_refused_in_production(settings):
    from triage.accounts import demo

    set_settings(replace(settings, env="production"))
    with pytest.raises(RuntimeError, match="never created in production"):
        demo.seed()
    assert users() == []
