"""Way back to a case: access choices, single-use links, status keys, PIN backoff

Revision ID: d8f357743662
Revises: 38ac529eb729
Create Date: 2026-12-06 11:31:06.149292
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'd8f357743662'
down_revision: str | Sequence[str] | None = '38ac529eb729'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pin_backoff',
    sa.Column('reference_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('reference_key')
    )
    with op.batch_alter_table('pin_backoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pin_backoff_updated_at'), ['updated_at'], unique=False)

    op.create_table('case_access',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('no_links', sa.Boolean(), nullable=False),
    sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_table('open_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('open_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_link_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_link_expires_at'), ['expires_at'], unique=False)

    op.create_table('status_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('secret_hash')
    )
    with op.batch_alter_table('status_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_key_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_key_expires_at'), ['expires_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('status_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_key_expires_at'))
        batch_op.drop_index(batch_op.f('ix_status_key_case_id'))

    op.drop_table('status_key')
    with op.batch_alter_table('open_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_link_expires_at'))
        batch_op.drop_index(batch_op.f('ix_open_link_case_id'))

    op.drop_table('open_link')
    op.drop_table('case_access')
    with op.batch_alter_table('pin_backoff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pin_backoff_updated_at'))

    op.drop_table('pin_backoff')
