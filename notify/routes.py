"""Every URL of notify, mounted at the top level (/hooks/...)."""

from __future__ import annotations

from starlette.routing import Route

from notify import views

routes = [
    Route("/hooks/whatsapp", views.whatsapp_verify, methods=["GET"], name="whatsapp_verify"),
    Route("/hooks/whatsapp", views.whatsapp_events, methods=["POST"], name="whatsapp_events"),
]
