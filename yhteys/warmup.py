"""What a serving process does once before its first request, so that nobody waits for it.

Started cold, a process did a third of a second of first-time work inside the first form
submission: compiling its templates, loading the date names of the page language, configuring
the database mappers, opening and reading the schema of the first SQLite connection. After a
restart the first few people to send a form each waited that long, all at once. Done here in
`yhteys serve` (yhteys.app.create_serving_app) before the port is opened; the test apps skip it.
"""

from __future__ import annotations

import logging
import time

from babel import Locale, UnknownLocaleError
from sqlalchemy.orm import configure_mappers

log = logging.getLogger(__name__)


def warm_up() -> None:
    started = time.monotonic()
    configure_mappers()
    _load_locales()
    _compile_templates()
    _open_database()
    log.info("warmed up in %.1f s", time.monotonic() - started)


def _load_locales() -> None:
    from yhteys.i18n import LANGUAGES, format_locale

    for language in LANGUAGES:
        try:
            Locale.parse(format_locale(language)).days  # noqa: B018 - loads the locale's data
        except (UnknownLocaleError, ValueError):
            continue  # formatted with a fallback at request time, as before


def _compile_templates() -> None:
    from yhteys.templating import environment

    env = environment()
    for name in env.list_templates(extensions=("html", "txt")):
        env.get_template(name)  # compiled once, then kept in the environment's cache


def _open_database() -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from yhteys.db import get_engine

    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT count(*) FROM alembic_version"))
    except SQLAlchemyError as exc:  # out of reach now: the pages say so, as they would anyway
        log.warning("database not reached while warming up: %s", type(exc).__name__)
