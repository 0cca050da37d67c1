"""Logging set-up. Log lines carry ids and references, never what a person wrote or who they are.

The access log of uvicorn is off: query strings and paths (status links) carry secrets. An
exception's message can carry data too (a database error quotes the row it failed to write), so
every handler logs an exception as its type and where it happened, never its message.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

_STATUS_SECRET = re.compile(r"/status/[^/?#]+")


def redact_path(path: str) -> str:
    """A URL path fit for a log line: status-link secrets replaced."""
    return _STATUS_SECRET.sub("/status/…", path)


class RedactExceptions(logging.Filter):
    """Replace a record's exception by its type and frames; its message is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc_type, _exc, tb = record.exc_info
            frames = traceback.extract_tb(tb)[-8:]
            where = " < ".join(
                f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames)
            )
            name = exc_type.__name__ if exc_type else "Exception"
            record.msg = f"{record.getMessage()} [{name} at {where}]"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


REDACT = RedactExceptions()


class HideResultRows(logging.Filter):
    """SQLAlchemy at DEBUG (its logger turned down, or an engine with echo="debug") logs every
    row it fetches, and the rows are what people wrote: the line stays, the values go."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.endswith("Row %r"):
            record.msg = record.msg[: -len("%r")] + "(values hidden)"
            record.args = None
        return True


HIDE_ROWS = HideResultRows()
# Where SQLAlchemy logs the rows of every engine (parameters are hidden by yhteys.db).
SQL_LOGGER = "sqlalchemy.engine.Engine"


# The request a line belongs to: set per request by yhteys.middleware, carried into the jobs it
# enqueues by notify.broker. Our own token, or one a trusted proxy sent in a strict shape: never
# anything a client wrote freely.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id() -> str:
    return secrets.token_hex(8)


def well_formed_request_id(value: str | None) -> str | None:
    return value if value and _WELL_FORMED_ID.match(value) else None


def current_request_id() -> str | None:
    return REQUEST_ID.get()


@contextmanager
def request_id_bound(value: str | None) -> Iterator[None]:
    token = REQUEST_ID.set(value)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


class AddRequestId(logging.Filter):
    """Give every record the id of the request (or job) it was written for."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


ADD_REQUEST_ID = AddRequestId()


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the message is already free of exception texts (REDACT)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id else line


def make_handler(stream: TextIO, json_lines: bool) -> logging.Handler:
    """A handler that writes our lines: exceptions redacted, the request id added."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    handler.addFilter(REDACT)
    handler.addFilter(ADD_REQUEST_ID)
    return handler


def configure_logging(level: str = "INFO", json_lines: bool | None = None) -> None:
    """Our handler on the root logger; `json_lines` None means LOG_FORMAT (yhteys.settings)."""
    if json_lines is None:
        from yhteys.settings import get_settings

        json_lines = get_settings().json_logs
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_yhteys", False)]
    if ours:
        ours[0].setFormatter(JsonFormatter() if json_lines else TextFormatter())
    else:
        handler = make_handler(sys.stderr, json_lines)
        handler._yhteys = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic announces its plugins each time the migration files are read (/readyz does once).
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if HIDE_ROWS not in logging.getLogger(SQL_LOGGER).filters:
        logging.getLogger(SQL_LOGGER).addFilter(HIDE_ROWS)
    # uvicorn and dramatiq bring handlers of their own: every handler gets the filters.
    for name in (None, "uvicorn", "uvicorn.error", "dramatiq"):
        for each in logging.getLogger(name).handlers:
            for wanted in (REDACT, ADD_REQUEST_ID):
                if wanted not in each.filters:
                    each.addFilter(wanted)
