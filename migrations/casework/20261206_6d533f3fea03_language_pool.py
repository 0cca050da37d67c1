"""language pool: staff members and interpreters on call a supervisor names per language

Revision ID: 6d533f3fea03
Revises: 4a876a929263
Create Date: 2026-12-06 15:19:47.057215
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '6d533f3fea03'
down_revision: str | Sequence[str] | None = '4a876a929263'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('language_pool_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('interpreter_name', sqlmodel.sql.sqltypes.AutoString(length=120),
              nullable=False),
    sa.Column('interpreter_contact', sqlmodel.sql.sqltypes.AutoString(length=200),
              nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('language', 'user_id', name='uq_language_pool_user')
    )
    with op.batch_alter_table('language_pool_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_language_pool_member_language'), ['language'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_language_pool_member_user_id'), ['user_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('language_pool_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_language_pool_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_language_pool_member_language'))
    op.drop_table('language_pool_member')
