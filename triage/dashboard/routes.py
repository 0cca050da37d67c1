"""Every URL of the dashboard, mounted under /triage. Names: `dashboard.<page>`."""

from __future__ import annotations

from starlette.routing import Route

from triage.dashboard import views

routes = [
    Route("/dashboard", views.dashboard_page, methods=["GET"], name="dashboard.page"),
    Route("/dashboard/figures.csv", views.figures_csv, methods=["GET"],
          name="dashboard.figures_csv"),
    Route("/dashboard/figures.xlsx", views.figures_xlsx, methods=["GET"],
          name="dashboard.figures_xlsx"),
]
