"""The staff side's periodic jobs (run by every web process, see yhteys.periodic)."""

from __future__ import annotations


def sla_check() -> int:
    """Escalate cases that missed a target, once per case and target."""
    from triage.casework.commands import run_once

    return run_once()


def retention() -> int:
    """Anonymise closed cases RETENTION_DAYS after closing."""
    from triage.retention import run_once

    return run_once()
