"""join the municipality-code and search heads

Revision ID: 4a876a929263
Revises: 7f68d60fd173, e56231536a7a
Create Date: 2026-12-06 13:18:47.941655
"""
from collections.abc import Sequence



revision: str = '4a876a929263'
down_revision: str | Sequence[str] | None = ('7f68d60fd173', 'e56231536a7a')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
