"""The migration maps rule areas typed as names to municipality codes."""

from alembic import command
from sqlalchemy import create_engine, text

from yhteys.migrate import alembic_config


def test_rule_areas_typed_as_names_become_codes(tmp_path, settings):  # noqa: ANN001, ANN201
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "heads")
    command.downgrade(config, "casework@9506380916a4")
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
