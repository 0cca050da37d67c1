"""Prometheus metrics: what the service does, counted without a word of what people wrote.

Labels are bounded names (route names, kinds, channels, results), never a path (status links
carry secrets in theirs), an address or a reference.

Several processes on one host (uvicorn workers, `yhteys worker`) share their counts through the
files of prometheus-client's multiprocess mode. prometheus-client chooses that mode when it is
first imported, from PROMETHEUS_MULTIPROC_DIR; `prepare_multiprocess` (called by `yhteys.cli.main`
before any command runs, and by `serve` for its workers) sets the variable from the settings and
chooses again, which holds for every metric here because each has labels and so makes its values
only when first counted. What lives in the database (the outbox) is read at scrape time, so every
process reports the same.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from yhteys.settings import Settings, get_settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir(settings: Settings, workers: int | None = None) -> Path | None:
    """Where this host's processes share metrics, or None for one process."""
    if os.environ.get(MULTIPROC_ENV):
        return Path(os.environ[MULTIPROC_ENV])
    if settings.metrics_dir is not None:
        return settings.metrics_dir
    if (workers or settings.web_workers) > 1:
        return settings.var_dir / "metrics"
    return None


_PID_FILE = re.compile(r"_(\d+)\.db$")


def prepare_multiprocess(settings: Settings, workers: int | None = None, *,
                         prune: bool = False) -> Path | None:
    """Set PROMETHEUS_MULTIPROC_DIR for this process and its children. `prune` (at `serve`
    start) deletes the files of processes no longer running: counts restart with the service,
    which Prometheus reads as a counter reset."""
    folder = multiprocess_dir(settings, workers)
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    values.ValueClass = values.get_value_class()
    if prune:
        for path in folder.glob("*.db"):
            match = _PID_FILE.search(path.name)
            if match and not _alive(int(match.group(1))):
                path.unlink(missing_ok=True)
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


REQUEST_SECONDS = Histogram(
    "yhteys_http_request_duration_seconds",
    "Time to answer a request, by route name",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SUBMISSIONS = Counter(
    "yhteys_submissions", "New cases, by kind and the channel they came by", ["kind", "channel"]
)
DELIVERIES = Counter(
    "yhteys_deliveries",
    "Delivery attempts of notifications, by channel and result (sent, retry, failed, dead)",
    ["channel", "result"],
)
SLA_BREACHES = Counter("yhteys_sla_breaches", "Missed SLA targets, by target", ["target"])
LOGIN_FAILURES = Counter("yhteys_login_failures", "Failed staff login steps", ["step"])
# A label value a client chooses must come from a fixed set, or it could grow the series forever.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


class _Default:
    """This process's own metrics, when no other process shares them."""

    def collect(self) -> Iterable:
        return REGISTRY.collect()


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    folder = multiprocess_dir(get_settings())
    if folder is not None and folder.is_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=str(folder))
    else:
        registry.register(_Default())
    from yhteys.registry import registry as parts

    for make in parts().collectors:
        registry.register(make())  # type: ignore[arg-type]
    return generate_latest(registry)


def _allowed_address(request: Request) -> bool:
    from yhteys.client import client_ip, trusted_proxy

    peer = request.client.host if request.client else ""
    forwarded = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    # A proxy on this host makes every public request come from loopback: a forwarded request
    # counts only through a proxy we trust to name the real client.
    if forwarded and not trusted_proxy(peer):
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False) for net in get_settings().metrics_allow
    )


def _has_token(request: Request) -> bool:
    token = get_settings().metrics_token
    given = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


async def metrics_view(request: Request) -> Response:
    if not (_has_token(request) or _allowed_address(request)):
        return PlainTextResponse("Forbidden", status_code=403)
    from starlette.concurrency import run_in_threadpool

    body = await run_in_threadpool(exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})
