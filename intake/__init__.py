"""The public side: request forms, submission, reference codes, status page, attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yhteys.registry import Config


def includeme(config: Config) -> None:
    """What the public side adds to the product (see yhteys.registry)."""
    from intake import commands, demo, inbound, jobs, media, whatsapp_intake
    from intake.reopen_routes import reopen_routes
    from intake.routes import api_routes, public_routes

    config.add_commands(commands.register)
    config.add_routes(api_routes)
    config.add_routes(public_routes, under="/{locale:locale}")
    config.add_routes(reopen_routes, under="/{locale:locale}")  # the way back to a case
    config.subscribe(inbound.register)  # WhatsApp messages from clients
    config.add_job("attachment-sweep", 6 * 3600, jobs.sweep_attachments)
    config.add_job("whatsapp-held", 900, jobs.forget_held)
    config.add_job("whatsapp-media", 60, jobs.fetch_whatsapp_media)
    config.add_job("whatsapp-conversations", 900, jobs.forget_conversations)
    config.add_job("open-links", 3600, jobs.forget_spent_links)
    config.add_resealer("attachments", jobs.reseal_attachments)
    config.add_resealer("whatsapp messages waiting", jobs.reseal_held)
    config.add_resealer("whatsapp files waiting", media.reseal_pending)
    config.add_resealer("whatsapp conversations", whatsapp_intake.reseal)
    config.add_demo(20, "cases", demo.seed_cases)
    config.add_catalog("intake", [
        ("intake", [("hours/**", "ignore"), ("**.py", "python")]),
        ("templates/intake", [("**.html", "jinja2")]),
    ])
    config.add_migrations("intake", "intake.models")
    config.include("intake.hours")
