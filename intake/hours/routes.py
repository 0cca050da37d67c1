"""Every public URL of the opening hours, mounted with intake's pages under /{locale}."""

from __future__ import annotations

from starlette.routing import Route

from intake.hours import views

routes = [
    Route("/hours", views.hours, name="hours"),
    Route("/hours.ics", views.feed, name="hours_feed"),
    Route("/hours/{channel}.ics", views.feed, name="hours_channel_feed"),
]
