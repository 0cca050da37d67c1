"""join the language-gap and case-search heads

Revision ID: e56231536a7a
Revises: 5be21f0c7a3d, 5e4c1d2a7b90
Create Date: 2026-12-06 13:16:46.616063
"""
from collections.abc import Sequence



revision: str = 'e56231536a7a'
down_revision: str | Sequence[str] | None = ('5be21f0c7a3d', '5e4c1d2a7b90')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
