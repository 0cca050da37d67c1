"""Every URL of the staff side, mounted under /triage: each part's own routes file."""

from __future__ import annotations

from triage import data_views, hours_admin
from triage.accounts.routes import routes as account_routes
from triage.casework.routes import routes as casework_routes
from triage.dashboard.routes import routes as dashboard_routes

routes = [
    *account_routes,
    *casework_routes,
    *dashboard_routes,
    *hours_admin.routes,
    *data_views.routes,
]
