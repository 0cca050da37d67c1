"""seal TOTP seeds

The seeds were stored in clear; from now on they rest sealed with DATA_KEYS (yhteys.crypto,
purpose "totp"), which needs a longer column. The column is replaced by ADD, DROP and RENAME
COLUMN (both databases know them) rather than a SQLite batch copy: the batch would drop and
recreate staff_user, and with foreign keys on, dropping it cascades to sessions, team memberships
and recovery codes.

Revision ID: fc33299635a3
Revises: 0f40b58a278c
Create Date: 2026-12-06 08:53:44.889074
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from yhteys import crypto

revision: str = 'fc33299635a3'
down_revision: str | Sequence[str] | None = '0f40b58a278c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSE = "totp"


def _replace_column(length: int, convert) -> None:  # noqa: ANN001
    op.add_column("staff_user", sa.Column("totp_secret_new",
                                          sqlmodel.sql.sqltypes.AutoString(length=length),
                                          nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, totp_secret FROM staff_user WHERE totp_secret IS NOT NULL")).all()
    for user_id, value in rows:
        bind.execute(sa.text("UPDATE staff_user SET totp_secret_new = :v WHERE id = :id"),
                     {"v": convert(value), "id": user_id})
    op.execute("ALTER TABLE staff_user DROP COLUMN totp_secret")
    op.execute("ALTER TABLE staff_user RENAME COLUMN totp_secret_new TO totp_secret")


def upgrade() -> None:
    _replace_column(200, lambda v: v if v.startswith("enc:") else crypto.seal_text(v, PURPOSE))


def downgrade() -> None:
    _replace_column(64, lambda v: crypto.open_text(v, PURPOSE) if v.startswith("enc:") else v)
