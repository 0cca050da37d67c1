"""Tables owned by `triage`."""

from __future__ import annotations
