"""Nodes of the ``monitoring`` pipeline.

daily partitions (predictions, scored features, actuals) -> window for the
run date -> feature and prediction drift (PSI against the training reference),
performance on the labels that have arrived, estimated performance for the
rows still waiting -> ``monitoring_status`` (GREEN / AMBER / RED) -> history,
charts and an HTML report -> optional non-zero exit for schedulers.

Dates: a *window* is ``run_date`` and the ``window_days - 1`` days before it.
Drift compares the window's scored features and predictions with the reference.
Performance uses the labels that *arrived* in the window (actuals partitions),
matched to the prediction made for the same game.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from user_score.contracts import Actuals, MonitoredPredictions, split_by_contract

from .drift import PREDICTION, compare, psi_noise_floor
from .estimator import PerformanceEstimator

logger = logging.getLogger(__name__)

PARTITION_DATE = re.compile(r"dt=(\d{4}-\d{2}-\d{2})")
FLAGS = ("ok", "warning", "critical")
STATUS_OF_FLAG = {"ok": "GREEN", "warning": "AMBER", "critical": "RED"}
ACTIONS = {"GREEN": "none", "AMBER": "investigate", "RED": "retrain"}
FAIL_ON = {"none": None, "warning": ("AMBER", "RED"), "critical": ("RED",)}


class MonitoringAlert(RuntimeError):
    """Raised after the reports are saved when the status reaches ``fail_on``."""


# ---------------------------------------------------------------------------
# Dates and partitions
# ---------------------------------------------------------------------------


def run_day(params: Mapping[str, Any]) -> pd.Timestamp:
    """The monitored day (``params:monitoring.run_date``, ``YYYY-MM-DD``)."""
    text = str(params["run_date"])
    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except ValueError as exc:
        raise ValueError(f"run_date must be YYYY-MM-DD, got {text!r}") from exc


def window_bounds(params: Mapping[str, Any]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the monitoring window (inclusive)."""
    end = run_day(params)
    days = int(params["window_days"])
    if days < 1:
        raise ValueError(f"window_days must be >= 1, got {days}")
    return end - pd.Timedelta(days=days - 1), end


def partition_day(key: str) -> pd.Timestamp | None:
    """The ``dt=YYYY-MM-DD`` day of a partition key (None when the key has none)."""
    match = PARTITION_DATE.search(key)
    return pd.Timestamp(match.group(1)) if match else None


def load_partitions(
    partitions: Mapping[str, Callable[[], pd.DataFrame]],
    first: pd.Timestamp,
    last: pd.Timestamp,
    name: str,
    required: Sequence[str] = (),
) -> pd.DataFrame:
    """Load the ``dt=`` partitions dated ``first..last`` and tag rows with their day.

    Only the partitions in range are read (``PartitionedDataset`` loads lazily);
    partitions dated after ``last`` (e.g. a simulation's future labels) are ignored.

    Raises:
        ValueError: If a partition that was read lacks a ``required`` column,
            naming the partition and the columns. This is checked per file, even
            when it has no rows: a one-line JSON body or HTML error page reads as
            a header without rows and must not pass as "no data yet".
    """
    frames = []
    for key in sorted(partitions):
        day = partition_day(key)
        if day is None:
            logger.warning("%s: ignoring partition %r without a dt=YYYY-MM-DD folder", name, key)
            continue
        if first <= day <= last:
            frame = partitions[key]()
            missing = [column for column in required if column not in frame]
            if missing:
                raise ValueError(
                    f"{name}: required column(s) {missing} missing in partition {key!r} "
                    f"(rule: every delivered file has the columns {list(required)})"
                )
            frames.append(frame.assign(partition_date=day, partition=key))
    if not frames:
        return pd.DataFrame(columns=[*required, "partition_date", "partition"])
    return pd.concat(frames, ignore_index=True)


def select_predictions(
    predictions_partitions: Mapping[str, Callable[[], pd.DataFrame]], params: dict[str, Any]
) -> pd.DataFrame:
    """Every prediction of the look-back period (window + late labels), checked.

    Raises:
        ValueError: If the window itself has no predictions (scoring did not
            run for those days), naming the dates; or a partition breaks the
            ``MonitoredPredictions`` contract.
    """
    first, last = window_bounds(params)
    lookback = last - pd.Timedelta(days=int(params["lookback_days"]))
    frame = load_partitions(
        predictions_partitions,
        min(lookback, first),
        last,
        "predictions",
        required=list(MonitoredPredictions.to_schema().columns),
    )
    in_window = frame["partition_date"].between(first, last) if len(frame) else []
    if not len(frame) or not np.any(in_window):
        raise ValueError(
            f"monitoring: no predictions for {first.date()}..{last.date()} under "
            f"prod/predictions/dt=YYYY-MM-DD/ (run scoring for run_date={last.date()} first)"
        )
    try:
        frame = MonitoredPredictions.validate(frame, lazy=True)
    except Exception as exc:
        raise ValueError(f"predictions break the MonitoredPredictions contract: {exc}") from exc
    frame["prediction_date"] = pd.to_datetime(frame["prediction_date"]).dt.normalize()
    frame["in_window"] = frame["partition_date"].between(first, last)
    logger.info(
        "predictions: %d rows in %d partitions (%d in the window %s..%s)",
        len(frame),
        frame["partition"].nunique(),
        int(frame["in_window"].sum()),
        first.date(),
        last.date(),
    )
    return frame.reset_index(drop=True)


def select_features(
    features_partitions: Mapping[str, Callable[[], pd.DataFrame]], params: dict[str, Any]
) -> pd.DataFrame:
    """Scored features (``id`` + model input features) of the window and the days before.

    Drift uses the window's rows (``in_window``); the performance estimate
    also needs the features of predictions made up to ``label_delay_max_days``
    before the window, whose labels arrive in it.
    """
    first, last = window_bounds(params)
    start = first - pd.Timedelta(days=int(params["label_delay_max_days"]))
    frame = load_partitions(features_partitions, start, last, "scored features", required=["id"])
    frame["in_window"] = frame["partition_date"].between(first, last)
    logger.info(
        "scored features: %d rows, %d in the window", len(frame), int(frame["in_window"].sum())
    )
    return frame.reset_index(drop=True)


def select_labels(
    actuals_partitions: Mapping[str, Callable[[], pd.DataFrame]], params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Labels of the look-back period: contract-checked and de-duplicated.

    A label row breaking the ``Actuals`` row contract (no id, score outside
    0-10, unreadable date) goes to quarantine with a ``reason``. The same game
    delivered several times keeps its latest delivery (latest ``event_date``,
    then latest partition, then last row).

    Returns:
        ``(labels, quarantined, intake)``; ``labels`` has one row per ``id``
        with ``in_window`` (arrived in the window); ``intake`` accounts for
        every row: ``rows_in = labels + quarantined + duplicates_removed``.
    """
    first, last = window_bounds(params)
    lookback = last - pd.Timedelta(days=int(params["lookback_days"]))
    columns = list(Actuals.to_schema().columns)
    raw = load_partitions(
        actuals_partitions, min(lookback, first), last, "actuals", required=columns
    ).reset_index(drop=True)
    valid, quarantined = split_by_contract(raw, Actuals)
    labels = valid.assign(
        id=valid["id"].astype(str),
        event_date=pd.to_datetime(valid["event_date"]).dt.normalize(),
        real_user_score=pd.to_numeric(valid["real_user_score"]).astype("float64"),
        row=np.arange(len(valid)),
    ).sort_values(["id", "event_date", "partition_date", "row"])
    conflicting = int((labels.groupby("id")["real_user_score"].nunique() > 1).sum())
    deduplicated = labels.drop_duplicates("id", keep="last").drop(columns="row")
    deduplicated["in_window"] = deduplicated["partition_date"].between(first, last)
    intake = {
        "rows_in": len(raw),
        "rows_quarantined": len(quarantined),
        "duplicates_removed": len(labels) - len(deduplicated),
        "ids_with_conflicting_scores": conflicting,
        "labels": len(deduplicated),
        "labels_in_window": int(deduplicated["in_window"].sum()),
    }
    if (
        intake["rows_in"]
        != intake["labels"] + intake["rows_quarantined"] + intake["duplicates_removed"]
    ):
        raise ValueError(f"actuals lost rows: {intake}")
    logger.info("actuals: %s", intake)
    return deduplicated.reset_index(drop=True), quarantined.reset_index(drop=True), intake


# ---------------------------------------------------------------------------
# Drift
# ---------------------------------------------------------------------------


def flag_of(value: float | None, warning: float, critical: float) -> str:
    """``ok`` / ``warning`` / ``critical`` for a value where higher is worse."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "ok"
    if value >= critical:
        return "critical"
    if value >= warning:
        return "warning"
    return "ok"


def compute_drift(
    reference_profile: dict[str, Any],
    scored_features: pd.DataFrame,
    predictions: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PSI of every profiled feature and of the predictions over the window.

    Returns:
        ``(drift_report, drift_buckets)``: one row per feature (and
        ``prediction``) with PSI, flag, sample sizes, the PSI expected from
        sampling noise alone, missing and unseen shares; and the per-bucket
        reference/current shares behind each PSI (for the charts).
    """
    settings = params["psi"]
    epsilon = float(settings["epsilon"])
    min_rows = int(params["min_rows_for_drift"])
    run_date = run_day(params).date().isoformat()
    window_predictions = predictions.loc[predictions["in_window"]]
    scored_features = scored_features.loc[scored_features["in_window"].astype(bool)]
    columns = {
        **{
            name: (profile, scored_features.get(name, None))
            for name, profile in reference_profile["features"].items()
        },
        PREDICTION: (
            reference_profile[PREDICTION],
            window_predictions["predicted_user_score"].astype("float64"),
        ),
    }
    rows, buckets = [], []
    for name, (profile, values) in columns.items():
        if values is None:
            raise ValueError(
                f"scored features have no column {name!r} that the reference profiles "
                f"(reference model {reference_profile.get('model_version')})"
            )
        value, table = compare(profile, values.reset_index(drop=True), epsilon)
        enough = len(values) >= min_rows
        flag = flag_of(value, settings["warning"], settings["critical"]) if enough else "ok"
        shares = table.set_index("bucket")["current_share"]
        rows.append(
            {
                "run_date": run_date,
                "feature": name,
                "kind": profile["kind"],
                "psi": value,
                "flag": flag,
                "enough_rows": enough,
                "n_reference": int(profile["n"]),
                "n_current": len(values),
                "psi_noise_floor": psi_noise_floor(len(table), int(profile["n"]), len(values)),
                "missing_share": float(shares.get("__missing__", shares.get("__none__", 0.0))),
                "unseen_share": float(shares.get("__unseen__", 0.0)),
            }
        )
        buckets.append(table.assign(run_date=run_date, feature=name))
    report = pd.DataFrame(rows)
    report = report.sort_values(["psi", "feature"], ascending=[False, True]).reset_index(drop=True)
    logger.info(
        "drift: %d columns, worst %s (PSI %.3f), %d warning, %d critical",
        len(report),
        report.loc[0, "feature"],
        report.loc[0, "psi"],
        int((report["flag"] == "warning").sum()),
        int((report["flag"] == "critical").sum()),
    )
    bucket_table = pd.concat(buckets, ignore_index=True)[
        ["run_date", "feature", "bucket", "reference_share", "current_share"]
    ]
    return report, bucket_table


# ---------------------------------------------------------------------------
# Labels and performance
# ---------------------------------------------------------------------------


def match_labels(
    predictions: pd.DataFrame, labels: pd.DataFrame, params: dict[str, Any]
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
    max_delay = int(params["label_delay_max_days"])
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


def regression_metrics(matched: pd.DataFrame) -> dict[str, float | None]:
    """MAE, RMSE, R2 and interval coverage of matched rows (None when undefined)."""
    rows = matched.loc[matched["match"] != "unmatched"]
    if rows.empty:
        return {"mae": None, "rmse": None, "r2": None, "interval_coverage": None}
    y = rows["real_user_score"].to_numpy(dtype="float64")
    p = rows["predicted_user_score"].to_numpy(dtype="float64")
    inside = (y >= rows["prediction_lower"].to_numpy()) & (y <= rows["prediction_upper"].to_numpy())
    r2 = float(r2_score(y, p)) if len(rows) >= 2 and np.var(y) > 0 else None
    return {
        "mae": float(mean_absolute_error(y, p)),
        "rmse": float(np.sqrt(mean_squared_error(y, p))),
        "r2": r2,
        "interval_coverage": float(inside.mean()),
    }


def label_coverage(
    predictions: pd.DataFrame, labels: pd.DataFrame, params: dict[str, Any]
) -> tuple[float | None, int]:
    """Share of the games scored in the window that should be labelled by now and are.

    Labels take up to ``label_delay_max_days``: the denominator is the games
    predicted between ``window_start - label_delay_max_days`` and
    ``run_date - label_delay_max_days``.
    """
    first, last = window_bounds(params)
    delay = pd.Timedelta(days=int(params["label_delay_max_days"]))
    due = predictions.loc[
        predictions["prediction_date"].between(first - delay, last - delay), "id"
    ].astype(str)
    due_ids = set(due)
    if not due_ids:
        return None, 0
    labelled = due_ids & set(labels["id"].astype(str))
    return len(labelled) / len(due_ids), len(due_ids)


def estimate_rows(
    estimator: PerformanceEstimator, features: pd.DataFrame, predictions: pd.DataFrame
) -> pd.DataFrame:
    """Expected absolute error of every prediction whose scored features were loaded."""
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
    return joined[[*keys, "in_window", "estimated_abs_error"]]


def _relative(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline in (None, 0):
        return None
    return value / baseline - 1.0


def _difference(value: float | None, baseline: float | None) -> float | None:
    return None if value is None or baseline is None else baseline - value


def assess_performance(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    scored_features: pd.DataFrame,
    performance_estimator: PerformanceEstimator,
    reference_profile: dict[str, Any],
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Realised performance on arrived labels and estimated performance on the rest.

    Returns:
        ``(performance_report, monitoring_matched_labels)``: one row per metric
        (value, training baseline, change, flag, rows, note) and the matched
        label rows with each prediction's estimated absolute error.
    """
    settings = params["performance"]
    min_labels = int(params["min_labels"])
    baseline = reference_profile.get("baseline", {})
    run_date = run_day(params).date().isoformat()
    matched = match_labels(predictions, labels, params)
    estimates = estimate_rows(performance_estimator, scored_features, predictions)
    metrics = regression_metrics(matched)
    n_matched = int((matched["match"] != "unmatched").sum())
    enough = n_matched >= min_labels
    coverage, n_due = label_coverage(predictions, labels, params)

    # The estimate of each matched prediction (from the features it was scored with).
    matched = matched.merge(
        estimates[["id", "partition_date", "estimated_abs_error"]],
        on=["id", "partition_date"],
        how="left",
    )
    labelled_ids = set(labels["id"].astype(str))
    waiting = estimates.loc[estimates["in_window"] & ~estimates["id"].isin(labelled_ids)]
    estimated_unlabelled = float(waiting["estimated_abs_error"].mean()) if len(waiting) else None
    checkable = matched.dropna(subset=["estimated_abs_error"])
    checkable = checkable.loc[checkable["match"] != "unmatched"]
    estimated_labelled = float(checkable["estimated_abs_error"].mean()) if len(checkable) else None
    realised_labelled = (
        float((checkable["real_user_score"] - checkable["predicted_user_score"]).abs().mean())
        if len(checkable)
        else None
    )

    mae_change = _relative(metrics["mae"], baseline.get("mae"))
    r2_drop = _difference(metrics["r2"], baseline.get("r2"))
    estimated_change = _relative(estimated_unlabelled, baseline.get("mae"))
    level = float(baseline.get("interval_level", 0.8))
    coverage_drop = _difference(metrics["interval_coverage"], level)

    def _flag(value: float | None, warning: float, critical: float, active: bool) -> str:
        return flag_of(value, warning, critical) if active else "ok"

    no_labels_note = (
        "no labels have arrived in the window yet (normal: labels take 7-14 days)"
        if n_matched == 0
        else f"only {n_matched} labels (< min_labels={min_labels}): not judged"
    )
    note = "" if enough else no_labels_note
    rows = [
        (
            "labels_matched",
            float(n_matched),
            None,
            None,
            "ok",
            n_matched,
            f"window={int((matched['match'] == 'window').sum())}, "
            f"id_only={int((matched['match'] == 'id_only').sum())}, "
            f"unmatched={int((matched['match'] == 'unmatched').sum())}",
        ),
        (
            "label_coverage",
            coverage,
            None,
            None,
            "ok",
            n_due,
            "share of games scored >= label_delay_max_days ago that have a label",
        ),
        (
            "mae",
            metrics["mae"],
            baseline.get("mae"),
            mae_change,
            _flag(
                mae_change,
                settings["mae_increase_warning"],
                settings["mae_increase_critical"],
                enough,
            ),
            n_matched,
            note,
        ),
        (
            "rmse",
            metrics["rmse"],
            baseline.get("rmse"),
            _relative(metrics["rmse"], baseline.get("rmse")),
            "ok",
            n_matched,
            note,
        ),
        (
            "r2",
            metrics["r2"],
            baseline.get("r2"),
            r2_drop,
            _flag(r2_drop, settings["r2_drop_warning"], settings["r2_drop_critical"], enough),
            n_matched,
            note,
        ),
        (
            "interval_coverage",
            metrics["interval_coverage"],
            level,
            coverage_drop,
            _flag(coverage_drop, settings["interval_coverage_drop_warning"], np.inf, enough),
            n_matched,
            note,
        ),
        (
            "estimated_mae_unlabelled",
            estimated_unlabelled,
            baseline.get("mae"),
            estimated_change,
            # An estimate can ask for an investigation, never for a retrain on its own.
            _flag(
                estimated_change,
                settings["mae_increase_warning"],
                np.inf,
                estimated_unlabelled is not None,
            ),
            len(waiting),
            "direct loss estimate for window predictions still without a label",
        ),
        (
            "estimated_mae_labelled",
            estimated_labelled,
            None,
            None,
            "ok",
            len(checkable),
            "the estimate for rows whose labels arrived (compare with realised_mae_labelled)",
        ),
        (
            "realised_mae_labelled",
            realised_labelled,
            None,
            None
            if realised_labelled is None or estimated_labelled is None
            else estimated_labelled - realised_labelled,
            "ok",
            len(checkable),
            "change = estimated - realised (the estimator's own error)",
        ),
    ]
    report = pd.DataFrame(
        rows, columns=["metric", "value", "baseline", "change", "flag", "rows", "note"]
    )
    report.insert(0, "run_date", run_date)
    for column in ("value", "baseline", "change"):
        report[column] = pd.to_numeric(report[column], errors="coerce").astype("float64")
    report["rows"] = report["rows"].astype("int64")
    logger.info(
        "performance: %d labels matched, MAE %s (baseline %s), estimated MAE (unlabelled) %s",
        n_matched,
        _fmt(metrics["mae"]),
        _fmt(baseline.get("mae")),
        _fmt(estimated_unlabelled),
    )
    return report, matched


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or np.isnan(value) else f"{value:.3f}"


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------


def _none_if_nan(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def assess_status(
    drift_report: pd.DataFrame,
    performance_report: pd.DataFrame,
    predictions: pd.DataFrame,
    label_intake: dict[str, Any],
    reference_profile: dict[str, Any],
    params: dict[str, Any],
) -> dict[str, Any]:
    """Overall GREEN / AMBER / RED, the reasons and the recommended action.

    RED when any flag is critical, AMBER when any is a warning, else GREEN;
    the action follows the runbook (none / investigate / retrain). Labels not
    arrived yet is a normal state, reported in ``performance.state``.
    """
    reasons: list[dict[str, str]] = []
    for row in drift_report.itertuples():
        if row.flag != "ok":
            what = "prediction drift" if row.feature == PREDICTION else "feature drift"
            reasons.append(
                {
                    "severity": row.flag,
                    "source": what,
                    "message": f"{what}: PSI({row.feature}) = {row.psi:.3f} "
                    f"(warning {params['psi']['warning']}, critical {params['psi']['critical']})",
                }
            )
    for row in performance_report.itertuples():
        if row.flag != "ok":
            reasons.append(
                {
                    "severity": row.flag,
                    "source": "performance",
                    "message": f"{row.metric} = {row.value:.3f} vs baseline {row.baseline:.3f} "
                    f"(change {row.change:+.3f})",
                }
            )
    window = predictions.loc[predictions["in_window"]]
    versions = sorted(window["model_version"].astype(str).unique())
    reference_version = str(reference_profile.get("model_version"))
    if versions and versions != [reference_version]:
        reasons.append(
            {
                "severity": "warning",
                "source": "lineage",
                "message": f"predictions come from model(s) {versions} but the reference "
                f"profile is for {reference_version}: run training so they agree",
            }
        )
    severities = [reason["severity"] for reason in reasons]
    worst = "critical" if "critical" in severities else "warning" if severities else "ok"
    status = STATUS_OF_FLAG[worst]
    metrics = performance_report.set_index("metric")
    matched = int(metrics.loc["labels_matched", "value"])
    state = (
        "no_labels"
        if matched == 0
        else "judged"
        if matched >= int(params["min_labels"])
        else "too_few_labels"
    )
    first, last = window_bounds(params)
    result = {
        "run_date": last.date().isoformat(),
        "window": {"start": first.date().isoformat(), "end": last.date().isoformat()},
        "status": status,
        "recommended_action": ACTIONS[status],
        "reasons": [reason["message"] for reason in reasons],
        "reason_details": reasons,
        "model_version": {"predictions": versions, "reference": reference_version},
        "rows": {"predictions_in_window": len(window), "labels": label_intake},
        "drift": {
            "thresholds": {k: float(params["psi"][k]) for k in ("warning", "critical")},
            "max_feature_psi": _none_if_nan(
                drift_report.loc[drift_report["feature"] != PREDICTION, "psi"].max()
            ),
            "prediction_psi": _none_if_nan(
                drift_report.loc[drift_report["feature"] == PREDICTION, "psi"].iloc[0]
            ),
            "features": {
                row.feature: {"psi": _none_if_nan(row.psi), "flag": row.flag}
                for row in drift_report.itertuples()
            },
        },
        "performance": {
            "state": state,
            "message": {
                "no_labels": "no labels yet for this window: normal, performance not judged",
                "too_few_labels": f"{matched} labels (< min_labels={params['min_labels']}): "
                "performance shown, not judged",
                "judged": f"{matched} labels matched",
            }[state],
            "metrics": {
                row.metric: {
                    "value": _none_if_nan(row.value),
                    "baseline": _none_if_nan(row.baseline),
                    "change": _none_if_nan(row.change),
                    "flag": row.flag,
                    "rows": int(row.rows),
                }
                for row in performance_report.itertuples()
            },
        },
    }
    log = logger.warning if status != "GREEN" else logger.info
    log("monitoring status %s for %s: %s", status, result["run_date"], result["reasons"] or "ok")
    return result


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Scheduler exit code
# ---------------------------------------------------------------------------


def enforce_fail_on(
    monitoring_status: dict[str, Any], monitoring_report: str, params: dict[str, Any]
) -> None:
    """Fail the run (non-zero exit) when the status reaches ``fail_on``.

    Runs last, after the status, reports and history have been saved, so a
    scheduler gets both the alert and the evidence. ``fail_on``: ``none``
    (default), ``warning`` (AMBER or RED) or ``critical`` (RED).

    Raises:
        MonitoringAlert: If the status is one ``fail_on`` fails on.
    """
    fail_on = str(params.get("fail_on") or "none").lower()
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {sorted(FAIL_ON)}, got {fail_on!r}")
    failing = FAIL_ON[fail_on]
    status = monitoring_status["status"]
    if failing and status in failing:
        raise MonitoringAlert(
            f"monitoring status {status} for {monitoring_status['run_date']} "
            f"(fail_on={fail_on}); recommended action: "
            f"{monitoring_status['recommended_action']}. Reasons: "
            + "; ".join(monitoring_status["reasons"])
            + f". The report was saved ({len(monitoring_report)} characters of HTML)."
        )
    logger.info("monitoring status %s, fail_on=%s: run succeeds", status, fail_on)
