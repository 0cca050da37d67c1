"""Tables owned by `intake`."""

from __future__ import annotations
