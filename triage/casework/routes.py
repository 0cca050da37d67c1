"""Every URL of casework, mounted under /triage. Names: `casework.<page>`."""

from __future__ import annotations

from starlette.routing import Route

from triage.casework import admin_views, board_views, call_views, case_views, pool_views

_CASE = "/cases/{reference}"
_ACTIONS = ("claim", "assign", "state", "priority", "refer", "close", "note", "seen",
            "duplicate", "route", "end_link", "speaker", "call")

routes = [
    Route("/", board_views.board_page, methods=["GET"], name="casework.home"),
    Route("/board", board_views.board_page, methods=["GET"], name="casework.board"),
    Route("/search", board_views.search_page, methods=["GET"], name="casework.search"),
    Route("/search", board_views.search_submit, methods=["POST"], name="casework.search_submit"),
    Route(_CASE, case_views.case_view, methods=["GET"], name="casework.case"),
    *[
        Route(f"{_CASE}/{action}", case_views.action_endpoint(action), methods=["POST"],
              name=f"casework.{action}")
        for action in _ACTIONS
    ],
    Route(f"{_CASE}/reply", case_views.reply_endpoint, methods=["POST"], name="casework.reply"),
    Route(f"{_CASE}/transfer-request", case_views.transfer_request, methods=["POST"],
          name="casework.transfer_request"),
    Route(f"{_CASE}/attachments/{{attachment_id:int}}", case_views.attachment_download,
          methods=["GET"], name="casework.attachment"),
    Route("/rules", admin_views.rules_page, methods=["GET"], name="casework.rules"),
    Route("/rules", admin_views.rules_save, methods=["POST"], name="casework.rules_save"),
    Route("/rules/{rule_id:int}/delete", admin_views.rule_delete, methods=["POST"],
          name="casework.rule_delete"),
    Route("/saved-replies", admin_views.replies_page, methods=["GET"],
          name="casework.saved_replies"),
    Route("/saved-replies", admin_views.replies_save, methods=["POST"],
          name="casework.saved_replies_save"),
    Route("/saved-replies/{reply_id:int}/delete", admin_views.reply_delete, methods=["POST"],
          name="casework.saved_reply_delete"),
    Route("/language-pool", pool_views.pool_page, methods=["GET"], name="casework.language_pool"),
    Route("/language-pool", pool_views.pool_add, methods=["POST"],
          name="casework.language_pool_add"),
    Route("/language-pool/{member_id:int}/remove", pool_views.pool_remove, methods=["POST"],
          name="casework.language_pool_remove"),
    Route("/sla", admin_views.sla_page, methods=["GET"], name="casework.sla"),
    Route("/calls-today", call_views.calls_today, methods=["GET"], name="casework.calls_today"),
    Route("/sla", admin_views.sla_save, methods=["POST"], name="casework.sla_save"),
]
