"""Every URL of staff accounts, mounted under /triage. Names: `accounts.<page>`."""

from __future__ import annotations

from starlette.routing import Route

from triage.accounts import account_views, admin_views, audit_views, login_views

routes = [
    Route("/login", login_views.login_page, methods=["GET"], name="accounts.login"),
    Route("/login", login_views.login_submit, methods=["POST"], name="accounts.login_submit"),
    Route("/login/totp", login_views.totp_page, methods=["GET"], name="accounts.login_totp"),
    Route("/login/totp", login_views.totp_submit, methods=["POST"],
          name="accounts.login_totp_submit"),
    Route("/logout", login_views.logout, methods=["POST"], name="accounts.logout"),
    Route("/account", account_views.account, methods=["GET"], name="accounts.account"),
    Route("/account/password", account_views.password_page, methods=["GET"],
          name="accounts.password"),
    Route("/account/password", account_views.password_submit, methods=["POST"],
          name="accounts.password_submit"),
    Route("/account/totp", account_views.totp_page, methods=["GET"], name="accounts.totp"),
    Route("/account/totp", account_views.totp_submit, methods=["POST"],
          name="accounts.totp_submit"),
    Route("/account/recovery-codes", account_views.recovery_codes, methods=["POST"],
          name="accounts.recovery_codes"),
    Route("/account/sessions/end-others", account_views.end_other_sessions, methods=["POST"],
          name="accounts.end_other_sessions"),
    Route("/audit", audit_views.browse, methods=["GET"], name="accounts.audit"),
    Route("/audit/export.csv", audit_views.export, methods=["GET"], name="accounts.audit_export"),
    Route("/admin/users", admin_views.users, methods=["GET"], name="accounts.users"),
    Route("/admin/users/new", admin_views.user_new, methods=["GET"], name="accounts.user_new"),
    Route("/admin/users/new", admin_views.user_create, methods=["POST"],
          name="accounts.user_create"),
    Route("/admin/users/{user_id:int}", admin_views.user_edit, methods=["GET"],
          name="accounts.user"),
    Route("/admin/users/{user_id:int}", admin_views.user_update, methods=["POST"],
          name="accounts.user_update"),
    Route("/admin/users/{user_id:int}/reset-totp", admin_views.user_reset_totp,
          methods=["POST"], name="accounts.user_reset_totp"),
    Route("/admin/users/{user_id:int}/reset-password", admin_views.user_reset_password,
          methods=["POST"], name="accounts.user_reset_password"),
    Route("/admin/teams", admin_views.team_list, methods=["GET"], name="accounts.teams"),
    Route("/admin/teams/new", admin_views.team_new, methods=["GET"], name="accounts.team_new"),
    Route("/admin/teams/new", admin_views.team_create, methods=["POST"],
          name="accounts.team_create"),
    Route("/admin/teams/{team_id:int}", admin_views.team_edit, methods=["GET"],
          name="accounts.team"),
    Route("/admin/teams/{team_id:int}", admin_views.team_update, methods=["POST"],
          name="accounts.team_update"),
]
