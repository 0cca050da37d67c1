"""Run Alembic from code: `yhteys migrate`, `make run` and the test suite use this."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from yhteys.settings import PROJECT_ROOT, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


def upgrade(database_url: str | None = None) -> None:
    command.upgrade(alembic_config(database_url), "heads")


def check(database_url: str | None = None) -> None:
    """Raise if the models and the migrated schema differ (a migration is missing)."""
    command.check(alembic_config(database_url))
