"""The `worker` and `relay` commands, the runtime of `yhteys serve`, and the package boundary."""

from __future__ import annotations

import re

import pytest

from yhteys.settings import PROJECT_ROOT


@pytest.mark.sqlite_only
def test_notify_imports_neither_intake_nor_triage():
    pattern = re.compile(r"^\s*(from|import)\s+(intake|triage)\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "notify").rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.sqlite_only
def test_worker_and_relay_are_subcommands():
    from yhteys.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["worker", "--threads", "4", "--lease", "30"])
    assert (args.threads, args.lease) == (4, 30.0)
    args = parser.parse_args(["relay", "--poll", "0.5"])
    assert args.poll == 0.5 and args.grace == 30.0


@pytest.mark.parametrize("command", ["worker", "relay"])
def test_worker_and_relay_need_redis(settings, command, caplog):
    from yhteys.cli import main

    assert main([command]) == 2
    assert any("REDIS_URL" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_with_redis_the_web_process_runs_the_relay_but_no_worker(use_settings, redis_url):
    from notify import runtime

    runtime.start(use_settings(redis_url=redis_url))
    try:
        assert runtime._relay is not None
        assert runtime._worker is None
    finally:
        runtime.stop()


def test_without_redis_the_web_process_runs_both(settings):
    from notify import runtime

    runtime.start(settings)
    try:
        assert runtime._relay is not None and runtime._worker is not None
    finally:
        runtime.stop()
    assert runtime._relay is None and runtime._worker is None
