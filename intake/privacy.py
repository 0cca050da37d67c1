"""The privacy notice: its version is stored with every consent, so we can always tell which
text a person agreed to. Change the version whenever templates/intake/privacy.html changes in
substance."""

from __future__ import annotations

PRIVACY_NOTICE_VERSION = "2026-12-01"
