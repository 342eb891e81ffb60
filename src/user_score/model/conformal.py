"""Prediction intervals: split-conformal offsets from out-of-fold residuals, per interval group.

Training passes the residuals ``y - prediction`` of out-of-fold predictions
(and each residual's :func:`interval_group`); :func:`calibrate` turns them
into lower/upper offsets, one global pair and one pair per group with at
least :data:`MIN_GROUP_RESIDUALS` residuals (Mondrian conformal). At predict
time :func:`row_offsets` gives each row its group's pair, else the global one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Interval groups (Mondrian conformal): games without a critic score are
#: much harder to predict, so they get their own, wider interval.
INTERVAL_GROUP_COLUMN = "meta_score_missing"
MIN_GROUP_RESIDUALS = 30


def conformal_offsets(residuals: np.ndarray, level: float) -> tuple[float, float]:
    """Split-conformal lower/upper residual quantiles for a central ``level`` interval.

    Uses the finite-sample corrected ranks ``ceil((n + 1) * q) / n`` so the
    guarantee holds for exchangeable rows.
    """
    values = np.sort(np.asarray(residuals, dtype="float64"))
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return (float("nan"), float("nan"))
    n = len(values)
    alpha = (1.0 - level) / 2.0
    upper_rank = min(n, int(np.ceil((n + 1) * (1.0 - alpha))))
    lower_rank = max(1, int(np.floor((n + 1) * alpha)))
    return (float(values[lower_rank - 1]), float(values[upper_rank - 1]))


def interval_group(features: pd.DataFrame) -> pd.Series:
    """Interval group per row: ``meta_known`` or ``meta_missing``."""
    missing = features[INTERVAL_GROUP_COLUMN].astype(bool)
    return missing.map({True: "meta_missing", False: "meta_known"}).astype(str)


def calibrate(
    residuals: np.ndarray, groups: np.ndarray | None, level: float
) -> tuple[tuple[float, float], dict[str, tuple[float, float]]]:
    """Global offsets and per-group offsets (groups with enough residuals) at ``level``.

    Args:
        residuals: Out-of-fold ``y - prediction``.
        groups: :func:`interval_group` of each residual's row; None for
            global offsets only.
        level: Central coverage of the interval.
    """
    residuals = np.asarray(residuals, dtype="float64")
    offsets = conformal_offsets(residuals, level)
    group_offsets: dict[str, tuple[float, float]] = {}
    if groups is not None:
        groups = np.asarray(groups).astype(str)
        for name in np.unique(groups):
            chosen = residuals[groups == name]
            if len(chosen) >= MIN_GROUP_RESIDUALS:
                group_offsets[name] = conformal_offsets(chosen, level)
    return offsets, group_offsets


def row_offsets(
    features: pd.DataFrame,
    offsets: tuple[float, float],
    group_offsets: dict[str, tuple[float, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """Lower/upper interval offsets per row (per interval group, else global)."""
    low = np.full(len(features), offsets[0], dtype="float64")
    high = np.full(len(features), offsets[1], dtype="float64")
    if group_offsets and INTERVAL_GROUP_COLUMN in features:
        groups = interval_group(features).to_numpy()
        for name, (group_low, group_high) in group_offsets.items():
            chosen = groups == name
            low[chosen], high[chosen] = group_low, group_high
    return low, high
