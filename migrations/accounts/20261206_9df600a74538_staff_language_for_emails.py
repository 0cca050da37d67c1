"""staff language for emails

Revision ID: 9df600a74538
Revises: 0f3f731d4a91
Create Date: 2026-12-06 12:53:54.526983
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '9df600a74538'
down_revision: str | Sequence[str] | None = '0f3f731d4a91'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ui_language', sqlmodel.sql.sqltypes.AutoString(length=8),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('ui_language')
