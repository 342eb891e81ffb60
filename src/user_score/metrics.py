"""Regression metrics and their text form, shared by training and monitoring.

Training scores every candidate with :func:`regression_metrics`; monitoring
scores the predictions whose labels have arrived with the same function, so a
monitoring MAE is the training MAE computed on production rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE and R2 of one set of predictions (R2 is NaN below two rows, all NaN for none)."""
    y_true = np.asarray(y_true, dtype="float64")
    y_pred = np.asarray(y_pred, dtype="float64")
    if len(y_true) == 0:
        return {"mae": float("nan"), "rmse": float("nan"), "r2": float("nan"), "n": 0}
    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "r2": float(r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan"),
        "n": len(y_true),
    }


def format_metric(value: Any, digits: int = 3) -> str:
    """A metric as text: ``0.512``, ``0.512 ± 0.031`` for ``{mean, std}``, ``n/a`` if missing."""
    if isinstance(value, dict):
        return f"{value['mean']:.{digits}f} ± {value['std']:.{digits}f}"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"
