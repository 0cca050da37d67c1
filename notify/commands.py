"""Subcommands of `yhteys` that belong to `notify`: `worker` and `relay`."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

log = logging.getLogger("notify")


def _wait_for_signal() -> None:
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    while not stopping.wait(1.0):
        pass


def _worker(args: argparse.Namespace) -> int:
    from dramatiq import Worker

    from notify import broker, delivery
    from yhteys.logs import configure_logging
    from yhteys.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level)
    if not settings.redis_url:
        log.error("`yhteys worker` needs REDIS_URL; without it `yhteys serve` sends notifications")
        return 2
    delivery.LEASE_SECONDS = args.lease
    current = broker.configure(settings)
    from notify import tasks  # noqa: F401 - declares the actors

    worker = Worker(current, queues={broker.QUEUE}, worker_threads=args.threads)
    worker.start()
    log.info("notify worker ready (%d threads)", args.threads)
    try:
        _wait_for_signal()
    finally:
        worker.stop(timeout=10_000)
        current.close()
    return 0


def _relay(args: argparse.Namespace) -> int:
    from notify import broker
    from notify.relay import Relay
    from yhteys.logs import configure_logging
    from yhteys.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level)
    if not settings.redis_url:
        log.error("`yhteys relay` needs REDIS_URL; without it `yhteys serve` runs the relay")
        return 2
    broker.configure(settings)
    relay = Relay(poll=args.poll, grace=args.grace)
    relay.start()
    log.info("notify relay ready")
    try:
        _wait_for_signal()
    finally:
        relay.stop()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to the `yhteys` parser."""
    worker = sub.add_parser(
        "worker", help="send notifications from the Redis queue (run any number, on any host)"
    )
    worker.add_argument("--threads", type=int, default=8, help="sending threads (default 8)")
    worker.add_argument(
        "--lease",
        type=float,
        default=120.0,
        help="seconds a claimed notification is held before another worker may retry it; "
        "keep it longer than the slowest send (default 120)",
    )
    worker.set_defaults(func=_worker)

    relay = sub.add_parser(
        "relay", help="hand unsent notifications to the queue (also runs inside `yhteys serve`)"
    )
    relay.add_argument("--poll", type=float, default=1.0, help="seconds between passes")
    relay.add_argument(
        "--grace",
        type=float,
        default=30.0,
        help="seconds before a row already handed over is handed over again (default 30)",
    )
    relay.set_defaults(func=_relay)
