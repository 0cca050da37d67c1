"""Alembic environment: the schema is SQLModel.metadata of every package."""

from __future__ import annotations

import importlib

from alembic import context
from sqlmodel import SQLModel

from yhteys.db import engine_for, normalise_url
from yhteys.registry import registry
from yhteys.settings import get_settings

config = context.config
for models in registry().migrations.values():  # each branch's tables, as its package declared
    importlib.import_module(models)
target_metadata = SQLModel.metadata


def _include(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Indexes a model marks PostgreSQL-only exist only there (e.g. the trigram search)."""
    if type_ == "index" and not reflected and obj.info.get("postgresql_only"):
        return context.get_context().dialect.name == "postgresql"
    return True


def _url() -> str:
    return normalise_url(config.attributes.get("database_url") or get_settings().database_url)


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        include_object=_include,
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
        include_object=_include,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
