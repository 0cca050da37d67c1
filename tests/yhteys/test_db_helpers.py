"""The typed helpers of yhteys.db: a row's id, a model's Core table, an UPDATE's row count, and
row objects made from complete values."""

import pytest
from sqlalchemy import insert, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col

from intake.models import Case
from triage.accounts.models import Team
from yhteys.db import new_row, pk, rowcount, table_of


def test_an_unsaved_row_has_no_id_to_give():
    with pytest.raises(ValueError, match="Team has no id yet"):
        pk(Team(name="Helsinki", slug="helsinki"))


def test_a_saved_row_gives_its_id_and_an_update_its_row_count(session):
    team = Team(name="Turku", slug="turku")
    session.add(team)
    session.flush()
    assert pk(team) == team.id

    changed = session.execute(
        update(Team).where(col(Team.slug) == "turku").values(email="turku@example.org")
    )
    assert rowcount(changed) == 1
    none = session.execute(update(Team).where(col(Team.slug) == "oulu").values(email=""))
    assert rowcount(none) == 0
    session.rollback()


def test_a_model_gives_its_core_table():
    table = table_of(Team)
    assert table.name == "staff_team"
    assert "slug" in table.c


CASE = {"name": "Amal", "kind": "tracing", "language": "ar", "contact_channel": "email",
        "contact_address": "amal@example.org", "reference": "ABC-DEF-GHJ", "source": "web",
        "details": {"persons": []}, "ui_locale": "ar", "message": "Apua", "status_secret_hash": "s",
        "idempotency_key": "k", "fingerprint": "f"}


def test_a_row_made_from_values_is_the_row_the_model_makes():
    made, built = Case(**CASE), new_row(Case, **CASE)
    for name in Case.model_fields:
        if name not in ("created_at", "updated_at"):  # the clock moved between the two
            assert getattr(built, name) == getattr(made, name), name
    assert built.model_fields_set == made.model_fields_set
    assert built.contact_windows == [] and built.contact_windows is not made.contact_windows
    with pytest.raises(TypeError, match="nickname"):
        new_row(Case, nickname="x", **CASE)


def test_a_row_made_from_values_and_inserted_plainly_updates_only_what_changed(session):
    case = new_row(Case, **CASE)
    case.priority = "urgent"  # a decision made before the insert goes in with the row
    values = {column.key: getattr(case, column.key) for column in table_of(Case).columns
              if column.key != "id"}
    case.id = session.execute(insert(table_of(Case)).returning(table_of(Case).c.id),
                              values).scalar_one()
    make_transient_to_detached(case)
    session.add(case)
    assert not session.dirty
    case.state = "closed"
    session.flush()
    session.expire(case)
    assert (case.priority, case.state, case.name) == ("urgent", "closed", "Amal")
    session.rollback()


def test_autocommit_commits_each_statement_on_postgres_only(settings):
    from sqlmodel import Session, select

    from yhteys.db import autocommit, get_engine, is_postgres

    engine = get_engine()
    with Session(engine) as writer:
        autocommit(writer)
        writer.add(Team(name="Vaasa", slug="vaasa"))
        writer.flush()  # no commit: on PostgreSQL the row stands on its own already
        with Session(engine) as reader:
            seen = reader.exec(select(Team).where(col(Team.slug) == "vaasa")).first()
        assert (seen is not None) == is_postgres(engine)
        writer.rollback()
    with Session(engine) as reader:
        kept = reader.exec(select(Team).where(col(Team.slug) == "vaasa")).first()
    assert (kept is not None) == is_postgres(engine)
