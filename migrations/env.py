"""Alembic environment: the schema is SQLModel.metadata of every package."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import intake.hours.models  # noqa: F401 - registers tables
import intake.models  # noqa: F401
import notify.models  # noqa: F401
import triage.models  # noqa: F401
from yhteys.db import engine_for, normalise_url
from yhteys.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return normalise_url(config.attributes.get("database_url") or get_settings().database_url)


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with engine_for(_url()).connect() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
