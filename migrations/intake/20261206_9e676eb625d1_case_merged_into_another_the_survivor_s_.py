"""Case merged into another: the survivor's id, so the merged case's status link opens it.

Revision ID: 9e676eb625d1
Revises: 38ac529eb729
Create Date: 2026-12-06 11:38:06.270901
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9e676eb625d1'
down_revision: str | Sequence[str] | None = '38ac529eb729'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_merged_into_id'), ['merged_into_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_merged_into_id'))
        batch_op.drop_column('merged_into_id')
