"""The migration maps rule areas typed as names to municipality codes."""

from alembic import command
from sqlalchemy import create_engine, text

from yhteys.migrate import alembic_config


def test_rule_areas_typed_as_names_become_codes(tmp_path, settings):  # noqa: ANN001, ANN201
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "9506380916a4")  # the revision before the mapping, and what it needs
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_team (id, name, slug, email, auto_assign,"
                          " created_at) VALUES (1, 'Advice', 'advice', '', 0, '2026-12-01')"))
        for n, (kind, area) in enumerate([("", "vantaa"), ("", "VANDA"), ("tracing", "Åbo"),
                                          ("", "uusimaa")], start=1):
            conn.execute(text(
                "INSERT INTO routing_rule (id, kind, language, area, team_id, created_at,"
                " updated_at) VALUES (:id, :kind, '', :area, 1, '2026-12-01', '2026-12-01')"),
                {"id": n, "kind": kind, "area": area})
    command.upgrade(config, "heads")
    with engine.connect() as conn:
        areas = [r[0] for r in conn.execute(text("SELECT area FROM routing_rule ORDER BY id"))]
    engine.dispose()
    assert areas == ["092", "VANDA", "853", "uusimaa"]


def test_case_areas_typed_as_names_become_codes(settings):  # noqa: ANN001, ANN201
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlmodel import Session

    from intake.models import Case
    from tests.triage.casework_factories import make_case
    from yhteys.db import get_engine

    cases = [make_case(announce=False, area=area) for area in ("  vanda ", "Mariehamn", "Abroad")]
    path = next(Path("migrations/intake").glob("*_9b0774aeafea_*.py"))
    spec = importlib.util.spec_from_file_location("area_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with get_engine().begin() as conn, Operations.context(MigrationContext.configure(conn)):
        module.upgrade()
    with Session(get_engine()) as db:
        assert [db.get(Case, c.id).area for c in cases] == ["092", "478", "Abroad"]
