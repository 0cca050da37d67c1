"""Demo data for `make run`: development only, idempotent (a second run adds nothing)."""

from __future__ import annotations

import logging

from yhteys.db import truncate_wal
from yhteys.settings import get_settings

log = logging.getLogger(__name__)


def seed_all() -> None:
    if get_settings().is_production:
        raise RuntimeError("demo data is never seeded in production")
    from yhteys.registry import configure

    # In each package's order: staff and teams first, then cases that are routed to them.
    for demo in sorted(configure().demos, key=lambda d: d.order):
        log.info("demo data: %s", demo.name)
        demo.seed()
    # Hundreds of small commits leave SQLite's log at about 50 MB beside a 2 MiB database, below
    # the mark where the checkpointer starts it again: copy it in and empty it now.
    truncate_wal()
