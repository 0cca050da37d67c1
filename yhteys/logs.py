"""Logging set-up. Log lines carry ids and references, never what a person wrote or who they are.

The access log of uvicorn is off: query strings and paths (status links) carry secrets. An
exception's message can carry data too (a database error quotes the row it failed to write), so
every handler logs an exception as its type and where it happened, never its message.
"""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path

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


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_yhteys", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._yhteys = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
    if HIDE_ROWS not in logging.getLogger(SQL_LOGGER).filters:
        logging.getLogger(SQL_LOGGER).addFilter(HIDE_ROWS)
    # uvicorn and dramatiq bring handlers of their own: every handler gets the filter.
    for name in (None, "uvicorn", "uvicorn.error", "dramatiq"):
        for each in logging.getLogger(name).handlers:
            if REDACT not in each.filters:
                each.addFilter(REDACT)
