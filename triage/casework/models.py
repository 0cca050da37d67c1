"""Tables of this subpackage."""

from __future__ import annotations
