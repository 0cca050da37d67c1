"""case stats indexes carry the area: the dashboard's municipality figures without the rows

Revision ID: c3a9e5f1d2b7
Revises: 2f372fda64c8
Create Date: 2026-12-06 18:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3a9e5f1d2b7'
down_revision: str | Sequence[str] | None = '2f372fda64c8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = [
    "id", "merged_into_id", "team_id", "kind", "language", "priority", "contact_channel",
    "state", "outcome", "assignee_id", "first_response_at", "first_response_business_minutes",
    "first_response_due_at", "resolution_due_at", "closed_at", "resolution_business_minutes",
]
AFTER = [*BEFORE, "area"]


def _indexes(include: list[str]) -> None:
    # Only PostgreSQL keeps included columns; SQLite's indexes stay as they are.
    op.drop_index('ix_case_stats_open', table_name='case')
    op.drop_index('ix_case_stats_arrived', table_name='case')
    op.create_index('ix_case_stats_arrived', 'case', ['created_at'], postgresql_include=include)
    op.create_index('ix_case_stats_open', 'case', ['created_at'], postgresql_include=include,
                    postgresql_where=sa.text("state <> 'closed'"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _indexes(AFTER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _indexes(BEFORE)
