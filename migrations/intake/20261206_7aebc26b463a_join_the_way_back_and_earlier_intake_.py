"""join the way-back and earlier intake heads

Revision ID: 7aebc26b463a
Revises: 8bd1f86eb547, d8f357743662
Create Date: 2026-12-06 12:14:08.413180
"""
from collections.abc import Sequence



revision: str = '7aebc26b463a'
down_revision: str | Sequence[str] | None = ('8bd1f86eb547', 'd8f357743662')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
