"""Thresholds to flags, flags to a status colour.

Every check of a monitoring run (the PSI of a feature, the change of the MAE,
...) ends in a flag: ``ok``, ``warning`` or ``critical``. The worst flag of
the run gives its status: GREEN, AMBER or RED.
"""

from __future__ import annotations

import numpy as np

STATUS_OF_FLAG = {"ok": "GREEN", "warning": "AMBER", "critical": "RED"}


def flag_of(value: float | None, warning: float, critical: float) -> str:
    """``ok`` / ``warning`` / ``critical`` for a value where higher is worse."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "ok"
    if value >= critical:
        return "critical"
    if value >= warning:
        return "warning"
    return "ok"
