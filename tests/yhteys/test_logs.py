"""No personal data or secrets in log lines, even when something fails."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from yhteys.db import engine_for
from yhteys.logs import REDACT, configure_logging, redact_path

PERSONAL = "amal.k@example.org"


def _formatted(record: logging.LogRecord) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(REDACT)
    handler.handle(record)
    return stream.getvalue()


def test_an_exception_is_logged_by_type_and_place_never_by_message():
    try:
        raise ValueError(f"could not save {PERSONAL}")
    except ValueError:
        record = logging.getLogger("uvicorn.error").makeRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application", (),
            exc_info=sys.exc_info(),
        )
    line = _formatted(record)
    assert PERSONAL not in line
    assert "ValueError" in line
    assert "test_logs.py" in line


def test_every_handler_of_the_servers_gets_the_filter():
    extra = logging.StreamHandler(io.StringIO())
    logging.getLogger("uvicorn.error").addHandler(extra)
    try:
        configure_logging("INFO")
        assert REDACT in extra.filters
        assert any(REDACT in h.filters for h in logging.getLogger().handlers)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(extra)


def test_status_secrets_are_cut_from_paths():
    assert redact_path("/fi/status/q1-fJ7FNv7ScPKHmi2Jh") == "/fi/status/…"
    assert redact_path("/triage/cases/K7M-4QX-P9T") == "/triage/cases/K7M-4QX-P9T"


def test_database_errors_do_not_quote_the_row(settings):
    engine = engine_for(settings.database_url)
    with pytest.raises(IntegrityError) as failure, engine.begin() as conn:
        conn.execute(
            text("INSERT INTO consent (case_id, purpose, notice_version, given_at) "
                 "VALUES (:case_id, :purpose, :version, CURRENT_TIMESTAMP)"),
            {"case_id": 987654, "purpose": PERSONAL, "version": "1"},
        )
    assert PERSONAL not in str(failure.value)


def test_a_json_line_is_redacted_and_carries_the_request_id():
    import json

    from yhteys.logs import make_handler, request_id_bound

    stream = io.StringIO()
    handler = make_handler(stream, json_lines=True)
    logger = logging.getLogger("yhteys.test_json")
    try:
        raise ValueError(f"could not save {PERSONAL}")
    except ValueError:
        with request_id_bound("req-0a1b2c3d"):
            record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "save failed",
                                       (), exc_info=sys.exc_info())
            handler.handle(record)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "req-0a1b2c3d"
    assert line["level"] == "ERROR" and line["logger"] == "yhteys.test_json"
    assert line["message"].startswith("save failed [ValueError at test_logs.py:")
    assert PERSONAL not in stream.getvalue()


def test_production_logs_json_and_development_text():
    from yhteys.settings import SettingsError, load

    assert load({}).json_logs is False
    assert load({"LOG_FORMAT": "json"}).json_logs is True
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load({"LOG_FORMAT": "xml"})
