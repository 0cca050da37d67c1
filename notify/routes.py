"""Delivery webhooks of the notification channels."""

from __future__ import annotations

routes: list = []
