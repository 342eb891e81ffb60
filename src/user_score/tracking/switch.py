"""``USER_SCORE_TRACKING=off``: a run records nothing, with the extra installed or not."""

from __future__ import annotations

import os

#: The environment variable; off, 0, false or no turn tracking off for a run.
SWITCH = "USER_SCORE_TRACKING"


def switched_off() -> bool:
    """True if ``USER_SCORE_TRACKING`` turns tracking off for this run."""
    return os.environ.get(SWITCH, "").strip().lower() in {"off", "0", "false", "no"}
