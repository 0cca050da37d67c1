"""outbox secrets sealed: status links leave notification.context

Every acknowledgement row kept its working status link in clear in `context`. Rows that can
still be sent get the link sealed into the new `sealed` column (yhteys.crypto, DATA_KEYS); every
row loses it from `context`, so no link in the table opens a case any more.

Revision ID: 4c1e9a7d2f10
Revises: b6956e2db69b
Create Date: 2026-12-06 09:20:00
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '4c1e9a7d2f10'
down_revision: str | Sequence[str] | None = 'b6956e2db69b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECRET_PATHS = ("/status/", "/set-password/", "/open/")
UNSENT = ("pending", "sending")


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.Text(), server_default='', nullable=False))

    from yhteys.crypto import seal_text  # the keys come from DATA_KEYS, never from the database

    bind = op.get_bind()
    table = sa.table(
        'notification',
        sa.column('id', sa.Integer),
        sa.column('state', sa.String),
        sa.column('context', sa.JSON),
        sa.column('sealed', sa.Text),
    )
    rows = bind.execute(sa.select(table.c.id, table.c.state, table.c.context)).all()
    for row_id, state, context in rows:
        context = json.loads(context) if isinstance(context, str) else dict(context or {})
        secret = {k: v for k, v in context.items()
                  if isinstance(v, str) and any(p in v for p in SECRET_PATHS)}
        if not secret:
            continue
        kept = {k: v for k, v in context.items() if k not in secret}
        sealed = seal_text(json.dumps(secret), "outbox") if state in UNSENT else ""
        bind.execute(
            sa.update(table).where(table.c.id == row_id).values(context=kept, sealed=sealed)
        )


def downgrade() -> None:
    # The cleared links are gone on purpose; only the column goes back.
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('sealed')
