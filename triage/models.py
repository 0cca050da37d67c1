"""Every table owned by `triage` (Alembic's env imports this module)."""

from triage.accounts.models import *  # noqa: F403
from triage.casework.models import *  # noqa: F403
