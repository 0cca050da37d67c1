"""case: resolution business minutes, and the narrow indexes the dashboard's figures read

Revision ID: 5d1c0e7a9b42
Revises: 7aebc26b463a
Create Date: 2026-12-06 12:30:00

`resolution_business_minutes` is backfilled for closed cases from the SLA clock, which stopped
when the case closed (its `elapsed` is business seconds). The two indexes carry the columns the
figures read as INCLUDE columns on PostgreSQL, so a period's figures come from an index-only
scan instead of the wide case rows; on SQLite they are plain indexes on created_at (the open
one partial).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5d1c0e7a9b42'
down_revision: str | Sequence[str] | None = '7aebc26b463a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '9506380916a4'  # case_clock, read by the backfill

STATS_COLUMNS = [
    "id", "merged_into_id", "team_id", "kind", "language", "priority", "contact_channel",
    "state", "outcome", "assignee_id", "first_response_at", "first_response_business_minutes",
    "first_response_due_at", "resolution_due_at", "closed_at", "resolution_business_minutes",
]


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution_business_minutes', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE \"case\" SET resolution_business_minutes = "
        "(SELECT case_clock.elapsed / 60 FROM case_clock WHERE case_clock.case_id = \"case\".id) "
        "WHERE state = 'closed'"
    )
    op.create_index('ix_case_stats_arrived', 'case', ['created_at'],
                    postgresql_include=STATS_COLUMNS)
    op.create_index('ix_case_stats_open', 'case', ['created_at'],
                    postgresql_include=STATS_COLUMNS,
                    postgresql_where=sa.text("state <> 'closed'"),
                    sqlite_where=sa.text("state <> 'closed'"))


def downgrade() -> None:
    op.drop_index('ix_case_stats_open', table_name='case')
    op.drop_index('ix_case_stats_arrived', table_name='case')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('resolution_business_minutes')
