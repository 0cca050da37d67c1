"""`yhteys sla-check`: record missed SLA targets and escalate them (run it every few minutes)."""

from __future__ import annotations

import argparse
import logging
import time

log = logging.getLogger(__name__)


def run_once() -> int:
    from triage.casework.breaches import check_breaches
    from yhteys.clock import now
    from yhteys.db import session_scope

    with session_scope() as session:
        return check_breaches(session, now())


def _sla_check(args: argparse.Namespace) -> int:
    from yhteys.logs import configure_logging
    from yhteys.settings import get_settings

    configure_logging(get_settings().log_level)
    while True:
        found = run_once()
        print(f"{found} missed targets escalated")
        if not args.every:
            return 0
        time.sleep(args.every)


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser(
        "sla-check", help="escalate cases past their response or resolution target (once each)"
    )
    check.add_argument("--every", type=int, default=0, metavar="SECONDS",
                       help="keep checking at this interval instead of once")
    check.set_defaults(func=_sla_check)
