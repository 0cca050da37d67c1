"""Tables owned by `notify`."""

from __future__ import annotations
