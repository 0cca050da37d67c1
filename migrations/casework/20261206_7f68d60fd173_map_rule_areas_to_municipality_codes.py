"""map rule areas to municipality codes

Revision ID: 7f68d60fd173
Revises: 9506380916a4
Create Date: 2026-12-06 13:14:34.104636
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7f68d60fd173'
down_revision: str | Sequence[str] | None = '9506380916a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rule areas typed before areas were a choice: a Finnish or Swedish municipality name (any
    # case or accents) becomes its code. Where two rules would then name the same place (one
    # "vantaa", one "vanda"), the later one keeps its text for a supervisor to remove.
    from intake import municipalities

    table = sa.table("routing_rule", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                     sa.column("language", sa.String), sa.column("area", sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.kind, table.c.language, table.c.area)
                        .order_by(table.c.id)).all()
    taken = {(kind, language, area) for _, kind, language, area in rows}
    for row_id, kind, language, area in rows:
        found = municipalities.find(area) if area else None
        if found is None or found.code == area or (kind, language, found.code) in taken:
            continue
        bind.execute(table.update().where(table.c.id == row_id).values(area=found.code))
        taken.add((kind, language, found.code))


def downgrade() -> None:
    pass  # the code reads as the place; the typed spelling is not kept
