"""The typed helpers of yhteys.db: a row's id, a model's Core table, an UPDATE's row count."""

import pytest
from sqlalchemy import update
from sqlmodel import col

from triage.accounts.models import Team
from yhteys.db import pk, rowcount, table_of


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
