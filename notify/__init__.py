"""Notifications: transactional outbox, Dramatiq broker and actors, channels, delivery webhooks.

Imports neither `intake` nor `triage`: what a message needs travels in the outbox payload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yhteys.registry import Config


def includeme(config: Config) -> None:
    """What notifications add to the product (see yhteys.registry)."""
    from notify import commands, jobs, monitoring, outbox
    from notify.routes import routes

    config.add_routes(routes)
    config.add_job("outbox-secrets", 3600, jobs.forget_sealed)
    config.add_commands(commands.register)
    config.add_resealer("notification links", outbox.reseal_pending)
    config.add_check("outbox", monitoring.outbox_check)
    config.add_collector(monitoring.OutboxCollector)
    config.add_catalog("notify", [
        ("notify", [("**.py", "python")]),
        ("templates/notify", [("staff_*/**", "ignore"), ("_staff_*", "ignore"),
                              ("**.html", "jinja2"), ("**.txt", "jinja2")]),
    ])
    # What staff receive by mail is read by staff only: translated into the staff languages.
    config.add_catalog("staff_notices", [
        ("templates/notify", [("staff_*/**", "jinja2"), ("_staff_*", "jinja2")]),
    ], staff=True)
    config.add_migrations("notify", "notify.models")
