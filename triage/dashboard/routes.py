"""Every URL of the dashboard, mounted under /triage. Names: `dashboard.<page>`."""

from __future__ import annotations

from starlette.routing import Route

from triage.dashboard import views

routes = [
    Route("/dashboard", views.dashboard_page, methods=["GET"], name="dashboard.page"),
]
