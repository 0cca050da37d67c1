"""casework: case_search, what staff find a case by (trigram indexes on PostgreSQL)

Revision ID: 5e4c1d2a7b90
Revises: 9506380916a4
Create Date: 2026-12-06 12:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '5e4c1d2a7b90'
down_revision: str | Sequence[str] | None = '9506380916a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_COLUMNS = ("names", "contacts", "reference")


def upgrade() -> None:
    op.create_table('case_search',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('names', sa.Text(), server_default='', nullable=False),
    sa.Column('contacts', sa.Text(), server_default='', nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id')
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in TRIGRAM_COLUMNS:
            op.execute(f"CREATE INDEX ix_case_search_{column}_trgm ON case_search "
                       f"USING gin ({column} gin_trgm_ops)")
    _fill()


def _fill() -> None:
    """The cases from before: their search rows, made by the same functions as new ones."""
    from types import SimpleNamespace

    from triage.casework.search import contacts_of, names_of

    bind = op.get_bind()
    table = sa.table('case_search', sa.column('case_id'), sa.column('names'),
                     sa.column('contacts'), sa.column('reference'))
    cases = sa.text(
        'SELECT id, reference, name, details, contact_channel, contact_address, backup_channel, '
        'backup_address FROM "case" WHERE anonymised_at IS NULL AND id > :after '
        'ORDER BY id LIMIT 2000')
    after = 0
    while True:
        rows = bind.execute(cases, {"after": after}).mappings().all()
        if not rows:
            break
        batch = []
        for row in rows:
            case = SimpleNamespace(**row)
            if isinstance(case.details, str):
                import json

                case.details = json.loads(case.details or "{}")
            batch.append({"case_id": row["id"], "names": " | ".join(names_of(case)),
                          "contacts": " ".join(contacts_of(case)),
                          "reference": row["reference"].replace("-", "").lower()})
        op.bulk_insert(table, batch)
        after = rows[-1]["id"]


def downgrade() -> None:
    op.drop_table('case_search')
