"""The monitoring history: one row per run_date, so trends show across runs.

Each run saves its own row to ``monitoring_history``, an upsert table keyed on
``run_date`` (``user_score.datasets.pandas.UpsertCSVDataset``): the row is
added, or replaces the day's row on a rerun, and two runs for different days
at the same time both keep theirs (compare-and-swap on S3). The history chart
reads the whole table back, oldest first.
"""

from __future__ import annotations

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


#: Numeric columns: missing values are NaN (empty in the CSV), not None.
NUMERIC_COLUMNS = [
    "max_feature_psi",
    "prediction_psi",
    "labels_matched",
    "mae",
    "r2",
    "interval_coverage",
    "estimated_mae_unlabelled",
    "estimated_mae_labelled",
    "baseline_mae",
]


def history_row(monitoring_status: dict[str, Any]) -> pd.DataFrame:
    """This run's row of the monitoring history (saving it upserts it by run_date)."""
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
    frame = pd.DataFrame([row], columns=HISTORY_COLUMNS)
    frame[NUMERIC_COLUMNS] = frame[NUMERIC_COLUMNS].apply(pd.to_numeric)
    return frame
