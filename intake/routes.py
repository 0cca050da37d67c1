"""Every URL of the public side. Mounted under /{locale}; the API at the top level."""

from __future__ import annotations

from starlette.routing import Route

from intake import api, status_files, views
from intake.hours.routes import routes as hours_routes

public_routes = [
    Route("/", views.start, name="start"),
    Route("/privacy", views.privacy, name="privacy"),
    Route("/accessibility", views.accessibility, name="accessibility"),
    Route("/request/{slug}", views.request_form, methods=["GET"], name="request_form"),
    Route("/request/{slug}", views.request_submit, methods=["POST"], name="request_submit"),
    Route("/status/{secret}", views.status, methods=["GET"], name="status"),
    Route("/status/{secret}", views.status_message, methods=["POST"], name="status_message"),
    Route("/status/{secret}/end", views.status_end, methods=["POST"], name="status_end"),
    Route("/status/{secret}/files/{token}", status_files.status_file, methods=["GET"],
          name="status_file"),
    Route("/status/{secret}/urgent", views.status_urgent, methods=["POST"], name="status_urgent"),
    *hours_routes,
]

api_routes = [
    Route("/api/v1/cases", api.create_case, methods=["POST"], name="api_create_case"),
    Route("/api/v1/openapi.json", api.openapi, methods=["GET"], name="api_openapi"),
]
