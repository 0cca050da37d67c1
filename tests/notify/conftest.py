"""Fixtures for the notification tests: real SMTP, Graph API stand-in, private Redis servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from tests.conftest import make_settings
from yhteys.db import engine_for
from yhteys.settings import Settings, set_settings


def _empty_existing_tables(url: str) -> None:
    # Like the shared fixture, but only tables the migrations created: other parts of the product
    # may have models whose migration is still being written.
    engine = engine_for(url)
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name in existing]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # noqa: S608
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    value = make_settings(database_url, tmp_path / "var")
    set_settings(value)
    try:
        yield value
    finally:
        set_settings(None)
        _empty_existing_tables(database_url)
