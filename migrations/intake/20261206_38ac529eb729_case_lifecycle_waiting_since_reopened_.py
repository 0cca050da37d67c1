"""case lifecycle: waiting since, reopened at, first response business minutes

Revision ID: 38ac529eb729
Revises: 71b0a523a413
Create Date: 2026-12-06 09:16:31.861828

No backfill: the three columns start NULL on existing rows. `waiting_since` and `reopened_at`
are known exactly only from casework's history (another branch, not ordered before this one),
and `first_response_business_minutes` needs the business calendar (holidays, closures) in
Python. NULL reads as "not recorded" wherever they are shown.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '38ac529eb729'
down_revision: str | Sequence[str] | None = '71b0a523a413'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_response_business_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('waiting_since')
        batch_op.drop_column('first_response_business_minutes')
