"""join the WhatsApp media and merged-case heads

Revision ID: 8bd1f86eb547
Revises: 5afa30c84b9d, 9e676eb625d1
Create Date: 2026-12-06 12:08:04.796171
"""
from collections.abc import Sequence



revision: str = '8bd1f86eb547'
down_revision: str | Sequence[str] | None = ('5afa30c84b9d', '9e676eb625d1')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
