"""Routes of this part (stub until it lands)."""

from __future__ import annotations

routes: list = []
