"""The URLs of the way back to a case (intake/reopen.py). Mounted under /{locale}."""

from __future__ import annotations

from starlette.routing import Route

from intake import reopen_views as views

reopen_routes = [
    Route("/open", views.open_page, methods=["GET"], name="open_page"),
    Route("/open", views.open_submit, methods=["POST"], name="open_submit"),
    Route("/open/send", views.send_now, methods=["POST"], name="open_send_now"),
    Route("/open/{token}", views.open_link, methods=["GET"], name="open_link"),
    Route("/open/{token}", views.open_link_use, methods=["POST"], name="open_link_use"),
    Route("/my-request", views.my_request, methods=["GET"], name="my_request"),
    Route("/my-request", views.my_request_message, methods=["POST"], name="my_request_message"),
    Route("/my-request/urgent", views.my_request_urgent, methods=["POST"],
          name="my_request_urgent"),
    Route("/my-request/files/{token}", views.my_request_file, methods=["GET"],
          name="my_request_file"),
    Route("/my-request/end", views.my_request_end, methods=["POST"], name="my_request_end"),
]
