"""Every URL of the staff side, mounted under /triage."""

from __future__ import annotations

routes: list = []
