"""map free-text areas to municipality codes

Revision ID: 9b0774aeafea
Revises: 7aebc26b463a
Create Date: 2026-12-06 13:14:33.474164
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9b0774aeafea'
down_revision: str | Sequence[str] | None = '7aebc26b463a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Free text typed before areas were a choice: a Finnish or Swedish municipality name (any
    # case or accents) becomes its code; anything else stays as it was. The list is a copy of
    # intake/data/municipalities.csv at this revision's date, read from the package.
    from intake import municipalities

    table = sa.table("case", sa.column("id", sa.Integer), sa.column("area", sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.area).where(table.c.area != "")).all()
    for row_id, area in rows:
        found = municipalities.find(area)
        if found is not None and found.code != area:
            bind.execute(table.update().where(table.c.id == row_id).values(area=found.code))


def downgrade() -> None:
    pass  # the code reads as the place; the typed spelling is not kept
