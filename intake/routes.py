"""Every URL of the public side. Mounted under /{locale}; the API at the top level."""

from __future__ import annotations

from starlette.routing import Route

from intake import views
from intake.hours import views as hours_views

public_routes = [
    Route("/", views.start, name="start"),
    *hours_views.routes,
]

api_routes: list = []
