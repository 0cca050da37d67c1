"""Start and stop the background part of `yhteys serve` (outbox relay, in-process worker)."""

from __future__ import annotations

from yhteys.settings import Settings


def start(settings: Settings) -> None:
    """Called once when the web app starts."""


def stop() -> None:
    """Called once when the web app stops."""
