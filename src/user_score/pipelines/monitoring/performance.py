"""Realised and estimated performance of the window's predictions.

Performance uses the labels that *arrived* in the window (actuals
partitions), matched to the prediction made for the same game. For window
predictions still waiting for a label, the performance estimator (trained at
training time on out-of-fold errors) gives the expected absolute error.
MAEs are compared with the case-mix baseline (the MAE expected for the rows'
novelty cells, :mod:`.casemix`), R2 and RMSE with the model's CV metrics.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from user_score.metrics import format_metric, regression_metrics
from user_score.params import RunDate

from .casemix import casemix_mae, cell_shares, estimator_band, expected_abs_error, row_cells
from .estimator import PerformanceEstimator
from .flags import flag_of
from .params import MonitoringParams
from .windows import window_bounds

logger = logging.getLogger(__name__)

#: Columns of ``performance_report`` (after its first column, ``run_date``).
REPORT_COLUMNS = [
    "metric",
    "value",
    "baseline",
    "change",
    "relative_change",
    "flag",
    "rows",
    "note",
]
#: How a label found its prediction (see :func:`match_labels`).
MATCH_KINDS = ("window", "id_only", "unmatched")


def match_labels(
    predictions: pd.DataFrame, labels: pd.DataFrame, params: MonitoringParams
) -> pd.DataFrame:
    """Match the window's labels to the prediction made for the same game.

    First on ``id`` and date: the latest prediction made at most
    ``label_delay_max_days`` before the label's ``event_date`` (``match =
    window``). Labels left over (arrived later than expected) fall back to
    ``id`` alone: the latest prediction of that id made before the label,
    else the earliest after it (``match = id_only``). Labels with no
    prediction at all are kept with ``match = unmatched``.
    """
    window_labels = labels.loc[labels["in_window"]]
    keep = [
        "id",
        "partition_date",
        "prediction_date",
        "predicted_user_score",
        "prediction_lower",
        "prediction_upper",
        "model_version",
    ]
    preds = predictions[keep].assign(id=predictions["id"].astype(str))
    candidates = window_labels[["id", "event_date", "real_user_score"]].merge(
        preds, on="id", how="left"
    )
    lag = (candidates["event_date"] - candidates["prediction_date"]).dt.days
    max_delay = params.label_delay_max_days
    candidates["match"] = np.where(
        lag.between(0, max_delay), "window", np.where(lag.notna(), "id_only", "unmatched")
    )
    # Rank: window matches first, then earlier-than-label, then the most recent.
    candidates["_rank"] = candidates["match"].map({"window": 0, "id_only": 1, "unmatched": 2})
    candidates["_after"] = (lag < 0).astype(int)
    candidates["_recency"] = np.where(lag >= 0, lag, -lag)
    best = candidates.sort_values(["id", "_rank", "_after", "_recency"]).drop_duplicates(
        "id", keep="first"
    )
    matched = best.drop(columns=["_rank", "_after", "_recency"]).reset_index(drop=True)
    matched["lag_days"] = (matched["event_date"] - matched["prediction_date"]).dt.days
    logger.info("label matches: %s", matched["match"].value_counts().to_dict())
    return matched


def realised_metrics(matched: pd.DataFrame) -> dict[str, float | None]:
    """MAE, RMSE, R2 and interval coverage of matched rows (None when undefined)."""
    rows = matched.loc[matched["match"] != "unmatched"]
    if rows.empty:
        return {"mae": None, "rmse": None, "r2": None, "interval_coverage": None}
    y = rows["real_user_score"].to_numpy(dtype="float64")
    p = rows["predicted_user_score"].to_numpy(dtype="float64")
    inside = (y >= rows["prediction_lower"].to_numpy()) & (y <= rows["prediction_upper"].to_numpy())
    metrics = regression_metrics(y, p)
    return {
        "mae": metrics["mae"],
        "rmse": metrics["rmse"],
        "r2": metrics["r2"] if len(rows) >= 2 and np.var(y) > 0 else None,
        "interval_coverage": float(inside.mean()),
    }


def label_coverage(
    predictions: pd.DataFrame, labels: pd.DataFrame, run_date: RunDate, params: MonitoringParams
) -> tuple[float | None, int]:
    """Share of the games scored in the window that should be labelled by now and are.

    Labels take up to ``label_delay_max_days``: the denominator is the games
    predicted between ``window_start - label_delay_max_days`` and
    ``run_date - label_delay_max_days``.
    """
    first, last = window_bounds(run_date, params)
    delay = pd.Timedelta(days=params.label_delay_max_days)
    due = predictions.loc[
        predictions["prediction_date"].between(first - delay, last - delay), "id"
    ].astype(str)
    due_ids = set(due)
    if not due_ids:
        return None, 0
    labelled = due_ids & set(labels["id"].astype(str))
    return len(labelled) / len(due_ids), len(due_ids)


def estimate_rows(
    estimator: PerformanceEstimator,
    features: pd.DataFrame,
    predictions: pd.DataFrame,
    novelty: dict[str, Any] | None = None,
    fallback_mae: float | None = None,
) -> pd.DataFrame:
    """Estimated and case-mix expected absolute error of every prediction with scored features.

    ``estimated_abs_error`` is the estimator's; ``cell`` the row's novelty cell and
    ``expected_abs_error`` that cell's MAE (:mod:`.casemix`).
    """
    keys = ["id", "partition_date"]
    rows = predictions[[*keys, "predicted_user_score", "in_window"]]
    joined = rows.assign(id=rows["id"].astype(str)).merge(
        features.assign(id=features["id"].astype(str)).drop(
            columns=["partition", "in_window"], errors="ignore"
        ),
        on=keys,
        how="inner",
    )
    window = int(rows["in_window"].sum())
    missing = window - int(joined["in_window"].sum())
    if missing:
        logger.warning(
            "performance estimate: %d of %d window predictions have no scored features",
            missing,
            window,
        )
    joined["estimated_abs_error"] = estimator.predict_abs_error(
        joined, joined["predicted_user_score"]
    )
    joined["cell"] = row_cells(joined, novelty).to_numpy()
    joined["expected_abs_error"] = expected_abs_error(joined["cell"], novelty, fallback_mae)
    return joined[[*keys, "in_window", "estimated_abs_error", "cell", "expected_abs_error"]]


def _relative(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline in (None, 0):
        return None
    return value / baseline - 1.0


def _change(value: float | None, baseline: float | None) -> float | None:
    """The one meaning of ``change``: value - baseline, in the metric's own unit."""
    return None if value is None or baseline is None else value - baseline


def _drop(value: float | None, baseline: float | None) -> float | None:
    change = _change(value, baseline)
    return None if change is None else -change


def performance_figures(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    scored_features: pd.DataFrame,
    performance_estimator: PerformanceEstimator,
    run_date: RunDate,
    params: MonitoringParams,
    reference_profile: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The numbers behind the performance report, and the case-mix baselines.

    Returns:
        ``(figures, matched)``: realised metrics of the matched labels, match
        counts, label coverage, the estimated MAE of the window predictions
        still without a label and, for the labelled ones, estimated next to
        realised MAE; and the matched label rows with each prediction's
        estimated absolute error.
    """
    reference_profile = reference_profile or {}
    novelty = reference_profile.get("novelty")
    global_mae = (reference_profile.get("baseline") or {}).get("mae")
    matched = match_labels(predictions, labels, params)
    estimates = estimate_rows(
        performance_estimator, scored_features, predictions, novelty, global_mae
    )
    metrics = realised_metrics(matched)
    n_matched = int((matched["match"] != "unmatched").sum())
    coverage, n_due = label_coverage(predictions, labels, run_date, params)

    # The estimate of each matched prediction (from the features it was scored with).
    matched = matched.merge(
        estimates[["id", "partition_date", "estimated_abs_error", "cell", "expected_abs_error"]],
        on=["id", "partition_date"],
        how="left",
    )
    fallback = np.nan if global_mae is None else float(global_mae)
    matched["expected_abs_error"] = matched["expected_abs_error"].fillna(fallback)
    judged = matched.loc[matched["match"] != "unmatched"]
    labelled_ids = set(labels["id"].astype(str))
    waiting = estimates.loc[estimates["in_window"] & ~estimates["id"].isin(labelled_ids)]
    checkable = matched.dropna(subset=["estimated_abs_error"])
    checkable = checkable.loc[checkable["match"] != "unmatched"]
    figures = {
        "metrics": metrics,
        "n_matched": n_matched,
        "matches": {kind: int((matched["match"] == kind).sum()) for kind in MATCH_KINDS},
        "label_coverage": coverage,
        "n_due": n_due,
        "estimated_unlabelled": (
            float(waiting["estimated_abs_error"].mean()) if len(waiting) else None
        ),
        "n_waiting": len(waiting),
        "estimated_labelled": (
            float(checkable["estimated_abs_error"].mean()) if len(checkable) else None
        ),
        "realised_labelled": (
            float((checkable["real_user_score"] - checkable["predicted_user_score"]).abs().mean())
            if len(checkable)
            else None
        ),
        "n_checkable": len(checkable),
        "expected_matched": casemix_mae(judged["expected_abs_error"]),
        "expected_unlabelled": casemix_mae(waiting["expected_abs_error"]),
        "cells_unlabelled": cell_shares(waiting["cell"]),
        "band_unlabelled": estimator_band(performance_estimator.metadata, len(waiting)),
        "estimates": estimates,
    }
    return figures, matched


def performance_table(
    figures: dict[str, Any], baseline: dict[str, Any], params: MonitoringParams
) -> pd.DataFrame:
    """One row per metric: value, baseline, change, relative change, flag, rows and a note.

    ``change`` always means ``value - baseline`` in the metric's unit;
    ``relative_change`` is ``value / baseline - 1``. The MAE baselines are
    case-mix baselines (the MAE expected for the rows' novelty cells,
    :mod:`.casemix`); R2 and RMSE compare with the training CV, interval
    coverage with the nominal level. A metric is flagged only with at least
    ``min_labels`` matched labels; the estimated MAE can ask for an
    investigation (warning), never for a retrain, and only when it is above
    its baseline by more than the threshold *plus* the estimator's own error
    band.
    """
    settings = params.performance
    min_labels = params.min_labels
    metrics = figures["metrics"]
    n_matched = figures["n_matched"]
    enough = n_matched >= min_labels
    estimated_unlabelled = figures["estimated_unlabelled"]
    estimated_labelled = figures["estimated_labelled"]
    realised_labelled = figures["realised_labelled"]
    global_mae = baseline.get("mae")
    mae_baseline = figures.get("expected_matched") or global_mae
    estimate_baseline = figures.get("expected_unlabelled") or global_mae
    band = figures.get("band_unlabelled") or 0.0

    mae_change = _relative(metrics["mae"], mae_baseline)
    estimated_change = _relative(estimated_unlabelled, estimate_baseline)
    beyond_band = (
        None
        if estimated_unlabelled is None
        else _relative(max(estimated_unlabelled - band, 0.0), estimate_baseline)
    )
    level = float(baseline.get("interval_level", 0.8))

    def _flag(value: float | None, warning: float, critical: float, active: bool) -> str:
        return flag_of(value, warning, critical) if active else "ok"

    no_labels_note = (
        "no labels have arrived in the window yet (normal: labels take 7-14 days)"
        if n_matched == 0
        else f"only {n_matched} labels (< min_labels={min_labels}): not judged"
    )
    note = "" if enough else no_labels_note
    matches = figures["matches"]
    mix = ", ".join(
        f"{cell} {share:.0%}" for cell, share in (figures.get("cells_unlabelled") or {}).items()
    )
    rows = [
        (
            "labels_matched",
            n_matched,
            None,
            None,
            None,
            "ok",
            n_matched,
            ", ".join(f"{kind}={matches[kind]}" for kind in MATCH_KINDS),
        ),
        (
            "label_coverage",
            figures["label_coverage"],
            None,
            None,
            None,
            "ok",
            figures["n_due"],
            "share of games scored >= label_delay_max_days ago that have a label",
        ),
        (
            "mae",
            metrics["mae"],
            mae_baseline,
            _change(metrics["mae"], mae_baseline),
            mae_change,
            _flag(
                mae_change, settings.mae_increase_warning, settings.mae_increase_critical, enough
            ),
            n_matched,
            note or "baseline: MAE expected for these rows' novelty cells (case mix)",
        ),
        (
            "rmse",
            metrics["rmse"],
            baseline.get("rmse"),
            _change(metrics["rmse"], baseline.get("rmse")),
            _relative(metrics["rmse"], baseline.get("rmse")),
            "ok",
            n_matched,
            note or "baseline: training CV",
        ),
        (
            "r2",
            metrics["r2"],
            baseline.get("r2"),
            _change(metrics["r2"], baseline.get("r2")),
            _relative(metrics["r2"], baseline.get("r2")),
            _flag(
                _drop(metrics["r2"], baseline.get("r2")),
                settings.r2_drop_warning,
                settings.r2_drop_critical,
                enough,
            ),
            n_matched,
            note or "baseline: training CV",
        ),
        (
            "interval_coverage",
            metrics["interval_coverage"],
            level,
            _change(metrics["interval_coverage"], level),
            _relative(metrics["interval_coverage"], level),
            _flag(
                _drop(metrics["interval_coverage"], level),
                settings.interval_coverage_drop_warning,
                np.inf,
                enough,
            ),
            n_matched,
            note or "baseline: the nominal interval level",
        ),
        (
            "estimated_mae_unlabelled",
            estimated_unlabelled,
            estimate_baseline,
            _change(estimated_unlabelled, estimate_baseline),
            estimated_change,
            # An estimate can ask for an investigation, never for a retrain on its own.
            _flag(
                beyond_band,
                settings.mae_increase_warning,
                np.inf,
                estimated_unlabelled is not None,
            ),
            figures["n_waiting"],
            f"direct loss estimate for window predictions still without a label, "
            f"+/- {band:.3f} (the estimator's own error); baseline: case mix {mix}",
        ),
        (
            "estimated_mae_labelled",
            estimated_labelled,
            None,
            None,
            None,
            "ok",
            figures["n_checkable"],
            "the estimate for rows whose labels arrived (compare with realised_mae_labelled)",
        ),
        (
            "realised_mae_labelled",
            realised_labelled,
            estimated_labelled,
            _change(realised_labelled, estimated_labelled),
            _relative(realised_labelled, estimated_labelled),
            "ok",
            figures["n_checkable"],
            "baseline = the estimate for the same rows: change = realised - estimated",
        ),
    ]
    report = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    for column in ("value", "baseline", "change", "relative_change"):
        report[column] = pd.to_numeric(report[column], errors="coerce").astype("float64")
    report["rows"] = report["rows"].astype("int64")
    return report


#: Columns of ``performance_by_day``.
DAILY_PERFORMANCE_COLUMNS = [
    "run_date",
    "day",
    "in_window",
    "rows",
    "estimated_mae",
    "band",
    "expected_mae",
    "labels",
    "realised_mae",
]


def performance_by_day(
    estimates: pd.DataFrame,
    matched: pd.DataFrame,
    metadata: dict[str, Any],
    run_date: RunDate,
) -> pd.DataFrame:
    """Per scoring day: estimated MAE +/- its band, case-mix MAE, and realised MAE.

    The days are the window's and the ``label_delay_max_days`` before it (whose
    labels arrive in the window: the realised MAE of a game needs 7-14 days, so
    the window's own days rarely have one yet); ``in_window`` tells them apart.
    """
    window = estimates
    judged = matched.loc[matched["match"] != "unmatched"]
    judged = judged.assign(
        abs_error=(judged["real_user_score"] - judged["predicted_user_score"]).abs()
    )
    rows = []
    for day, group in window.groupby("partition_date", sort=True):
        labelled = judged.loc[judged["partition_date"] == day]
        rows.append(
            {
                "run_date": run_date.iso,
                "day": pd.Timestamp(day).date().isoformat(),
                "in_window": bool(group["in_window"].any()),
                "rows": len(group),
                "estimated_mae": float(group["estimated_abs_error"].mean()),
                "band": estimator_band(metadata, len(group)),
                "expected_mae": casemix_mae(group["expected_abs_error"]),
                "labels": len(labelled),
                "realised_mae": float(labelled["abs_error"].mean()) if len(labelled) else None,
            }
        )
    table = pd.DataFrame(rows, columns=DAILY_PERFORMANCE_COLUMNS)
    for column in ("estimated_mae", "band", "expected_mae", "realised_mae"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    return table


def assess_performance(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    scored_features: pd.DataFrame,
    performance_estimator: PerformanceEstimator,
    reference_profile: dict[str, Any],
    run_date: RunDate,
    params: MonitoringParams,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Realised performance on arrived labels and estimated performance on the rest.

    Returns:
        ``(performance_report, monitoring_matched_labels, performance_by_day)``:
        one row per metric (value, baseline, change, relative change, flag,
        rows, note), the matched label rows with each prediction's estimated
        and case-mix expected absolute error, and the per-day view.
    """
    baseline = reference_profile.get("baseline", {})
    figures, matched = performance_figures(
        predictions,
        labels,
        scored_features,
        performance_estimator,
        run_date,
        params,
        reference_profile,
    )
    report = performance_table(figures, baseline, params)
    report.insert(0, "run_date", run_date.iso)
    daily = performance_by_day(
        figures["estimates"], matched, performance_estimator.metadata, run_date
    )
    logger.info(
        "performance: %d labels matched, MAE %s (baseline %s), estimated MAE (unlabelled) %s",
        figures["n_matched"],
        format_metric(figures["metrics"]["mae"]),
        format_metric(baseline.get("mae")),
        format_metric(figures["estimated_unlabelled"]),
    )
    return report, matched, daily
