"""join the dashboard and municipality-code heads

Revision ID: d1dc2aa6e04b
Revises: 5d1c0e7a9b42, 9b0774aeafea
Create Date: 2026-12-06 13:18:47.447540
"""
from collections.abc import Sequence



revision: str = 'd1dc2aa6e04b'
down_revision: str | Sequence[str] | None = ('5d1c0e7a9b42', '9b0774aeafea')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
