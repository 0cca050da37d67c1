"""Every URL of the staff side, mounted under /triage."""

from __future__ import annotations

from triage import hours_admin
from triage.accounts import api_key_views
from triage.accounts import views as account_views
from triage.casework import views as casework_views

routes = [
    *account_views.routes,
    *casework_views.routes,
    *hours_admin.routes,
    *api_key_views.routes,
]
