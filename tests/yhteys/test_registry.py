"""One wiring: every entry point builds the same registry and subscribes the same handlers."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from intake import events
from notify import inbound
from yhteys import cli
from yhteys.registry import PACKAGES, configure, registry
from yhteys.settings import PROJECT_ROOT


@pytest.fixture
def nothing_subscribed():  # noqa: ANN201
    saved = (list(events._case_created), list(events._client_message), list(inbound._handlers))
    events._case_created.clear()
    events._client_message.clear()
    inbound._handlers.clear()
    yield
    events._case_created[:], events._client_message[:], inbound._handlers[:] = saved


def _routing_subscribed() -> bool:
    from intake.inbound import handle_whatsapp
    from triage.casework import arrival

    return arrival.case_created in events._case_created and handle_whatsapp in inbound._handlers


def test_the_web_app_subscribes_routing(settings, nothing_subscribed):
    from yhteys.app import create_app

    create_app(settings)
    assert _routing_subscribed()


@pytest.mark.parametrize("argv", [["generate-key"], ["worker"], ["relay"], ["anonymise"]])
def test_every_command_subscribes_routing(settings, nothing_subscribed, argv, capsys):
    # worker and relay stop at once without REDIS_URL; they have configured the registry first.
    cli.main(argv)
    assert _routing_subscribed()


def test_the_command_list_comes_from_the_packages():
    commands = set(cli.build_parser()._subparsers._group_actions[0].choices)  # type: ignore
    assert {"serve", "migrate", "worker", "relay", "create-user", "anonymise",
            "sla-check"} <= commands


def test_every_package_declares_its_catalogs_and_migrations():
    parts = registry()
    assert set(PACKAGES) <= set(parts.included)
    assert set(parts.catalogs) == {"yhteys", "intake", "hours", "notify", "accounts", "casework",
                                   "dashboard", "staff_notices"}
    for domain in parts.catalogs:
        assert (PROJECT_ROOT / "locales" / "en" / "LC_MESSAGES" / f"{domain}.po").exists()
    # alembic.ini's version locations are exactly the declared branches.
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(PROJECT_ROOT / "alembic.ini")
    locations = {Path(p.replace("%(here)s", str(PROJECT_ROOT))).name
                 for p in ini["alembic"]["version_locations"].split()}
    assert locations == set(parts.migrations)
    assert {job.name for job in parts.jobs} >= {"sla-check", "retention", "attachment-sweep"}


def test_configure_is_idempotent(nothing_subscribed):
    configure()
    configure()
    assert len(events._case_created) == len(set(events._case_created))
    assert len(inbound._handlers) == 1
