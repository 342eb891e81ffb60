"""The monitoring history: one row per run_date, so trends show across runs.

Each run writes its own row as a ``run_date=YYYY-MM-DD`` partition (a rerun
replaces it); ``combine_history`` reads every partition back into one table,
oldest first, for the history chart and ``monitoring_history.csv``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .drift import PREDICTION

HISTORY_COLUMNS = [
    "run_date",
    "status",
    "recommended_action",
    "n_reasons",
    "predictions_in_window",
    "max_feature_psi",
    "worst_feature",
    "prediction_psi",
    "labels_matched",
    "mae",
    "r2",
    "interval_coverage",
    "estimated_mae_unlabelled",
    "estimated_mae_labelled",
    "baseline_mae",
    "model_version",
]


def history_row(monitoring_status: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """This run's history row as a ``{run_date: frame}`` partition (a rerun replaces it)."""
    metrics = monitoring_status["performance"]["metrics"]
    features = {
        name: info
        for name, info in monitoring_status["drift"]["features"].items()
        if name != PREDICTION and info["psi"] is not None
    }
    worst = max(features, key=lambda name: features[name]["psi"]) if features else None

    def _metric(name: str, field: str = "value") -> float | None:
        return (metrics.get(name) or {}).get(field)

    row = {
        "run_date": monitoring_status["run_date"],
        "status": monitoring_status["status"],
        "recommended_action": monitoring_status["recommended_action"],
        "n_reasons": len(monitoring_status["reasons"]),
        "predictions_in_window": monitoring_status["rows"]["predictions_in_window"],
        "max_feature_psi": monitoring_status["drift"]["max_feature_psi"],
        "worst_feature": worst,
        "prediction_psi": monitoring_status["drift"]["prediction_psi"],
        "labels_matched": _metric("labels_matched"),
        "mae": _metric("mae"),
        "r2": _metric("r2"),
        "interval_coverage": _metric("interval_coverage"),
        "estimated_mae_unlabelled": _metric("estimated_mae_unlabelled"),
        "estimated_mae_labelled": _metric("estimated_mae_labelled"),
        "baseline_mae": _metric("mae", "baseline"),
        "model_version": ",".join(monitoring_status["model_version"]["predictions"]),
    }
    return {f"run_date={row['run_date']}": pd.DataFrame([row], columns=HISTORY_COLUMNS)}


def combine_history(
    history_partitions: Mapping[str, Callable[[], pd.DataFrame] | pd.DataFrame],
) -> pd.DataFrame:
    """All history rows, one per run_date (latest write wins), oldest first."""
    # Loaded from disk each partition is a loader; in memory it is the frame itself.
    frames = [part() if callable(part) else part for _, part in sorted(history_partitions.items())]
    if not frames:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    history = pd.concat(frames, ignore_index=True).reindex(columns=HISTORY_COLUMNS)
    history["run_date"] = pd.to_datetime(history["run_date"]).dt.strftime("%Y-%m-%d")
    history = history.drop_duplicates("run_date", keep="last").sort_values("run_date")
    return history.reset_index(drop=True)
