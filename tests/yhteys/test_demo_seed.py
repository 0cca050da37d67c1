"""`make run`'s demo data leaves a small database behind, its log included."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from yhteys.demo import seed_all

pytestmark = pytest.mark.sqlite_only


def test_the_demo_leaves_no_large_log(settings):
    seed_all()
    database = Path(make_url(settings.database_url).database or "")
    log = database.with_name(database.name + "-wal")
    assert database.stat().st_size > 0
    assert not log.exists() or log.stat().st_size < 1024 * 1024, log.stat().st_size
