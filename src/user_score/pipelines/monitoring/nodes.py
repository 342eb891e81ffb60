"""The drift node of the ``monitoring`` pipeline.

daily partitions (predictions, scored features, actuals) -> window for the
run date -> feature and prediction drift (PSI against the training reference),
performance on the labels that have arrived, estimated performance for the
rows still waiting -> ``monitoring_status`` (GREEN / AMBER / RED) -> history,
charts and an HTML report -> optional non-zero exit for schedulers.

The nodes live with their job: ``windows`` (select_*), this module
(compute_drift), ``performance`` (assess_performance), ``status``
(assess_status, enforce_fail_on), ``history`` and ``report``; ``pipeline``
wires them. The PSI itself is in ``drift``, shared with the training-time
``reference`` nodes.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from user_score.params import RunDate

from .calibration import alert_levels, drift_psi, null_psi
from .drift import PREDICTION, compare
from .flags import flag_of
from .params import MonitoringParams
from .roots import root_of

logger = logging.getLogger(__name__)


def judge_column(
    name: str,
    profile: dict[str, Any],
    values: pd.Series,
    params: MonitoringParams,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """PSI of one column against its profile, its calibrated alert levels and flag.

    Returns:
        ``(row, buckets)``: the drift report row (without ``run_date``) and the
        per-bucket reference/current shares.
    """
    settings = params.psi
    calibration = settings.calibration
    two_sided, table = compare(profile, values.reset_index(drop=True), settings.epsilon)
    n_reference, n_current = int(profile["n"]), len(values)
    value = drift_psi(
        profile["buckets"],
        table["reference_share"],
        table["current_share"],
        n_reference,
        n_current,
        settings.epsilon,
    )
    null = null_psi(
        profile["buckets"],
        profile["shares"],
        n_reference,
        n_current,
        settings.epsilon,
        calibration.draws,
        rng,
    )
    warning, critical = alert_levels(
        null,
        settings.warning,
        settings.critical,
        calibration.warning_quantile,
        calibration.critical_quantile,
    )
    enough = n_current >= params.min_rows_for_drift
    shares = table.set_index("bucket")["current_share"]
    row = {
        "feature": name,
        "root": root_of(name),
        "kind": profile["kind"],
        "psi": value,
        "psi_two_sided": two_sided,
        "warning_at": warning,
        "critical_at": critical,
        "flag": flag_of(value, warning, critical) if enough else "ok",
        "enough_rows": enough,
        "n_reference": n_reference,
        "n_current": n_current,
        "psi_noise_floor": float(np.mean(null)) if len(null) else float("nan"),
        "missing_share": float(shares.get("__missing__", shares.get("__none__", 0.0))),
        "unseen_share": float(shares.get("__unseen__", 0.0)),
    }
    return row, table


def monitored_columns(
    reference_profile: dict[str, Any], scored_features: pd.DataFrame, predictions: pd.DataFrame
) -> dict[str, tuple[dict[str, Any], pd.Series]]:
    """Every profiled feature and the prediction: (profile, values of these rows)."""
    columns = {}
    for name, profile in reference_profile["features"].items():
        if name not in scored_features:
            raise ValueError(
                f"scored features have no column {name!r} that the reference profiles "
                f"(reference model {reference_profile.get('model_version')})"
            )
        columns[name] = (profile, scored_features[name])
    columns[PREDICTION] = (
        reference_profile[PREDICTION],
        predictions["predicted_user_score"].astype("float64"),
    )
    return columns


def compute_drift(
    reference_profile: dict[str, Any],
    scored_features: pd.DataFrame,
    predictions: pd.DataFrame,
    run_date: RunDate,
    params: MonitoringParams,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """PSI of every profiled feature and of the predictions over the window, and per day.

    Each column's warning / critical levels are calibrated on the reference
    at the row count judged (:mod:`.calibration`), floored by the configured
    PSI levels; the PSI is one-directional for unseen / other / missing shares.

    Returns:
        ``(drift_report, drift_buckets, drift_by_day)``: one row per feature (and
        ``prediction``) with its root column, PSI (and the classic two-sided
        PSI), the alert levels it was judged against, flag, sample sizes, the
        PSI expected from sampling noise alone, missing and unseen shares; the
        per-bucket reference/current shares behind each PSI (for the charts);
        and the same judgement for each day of the window on that day's rows.
    """
    rng = np.random.default_rng(params.psi.calibration.seed)
    day = run_date.iso
    window_predictions = predictions.loc[predictions["in_window"]]
    window_features = scored_features.loc[scored_features["in_window"].astype(bool)]
    rows, buckets = [], []
    for name, (profile, values) in monitored_columns(
        reference_profile, window_features, window_predictions
    ).items():
        row, table = judge_column(name, profile, values, params, rng)
        rows.append({"run_date": day, **row})
        buckets.append(table.assign(run_date=day, feature=name))
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
    return (
        report,
        bucket_table,
        drift_by_day(reference_profile, window_features, window_predictions, run_date, params),
    )


#: Columns of ``drift_by_day``.
DAILY_DRIFT_COLUMNS = [
    "run_date",
    "day",
    "feature",
    "root",
    "psi",
    "warning_at",
    "critical_at",
    "flag",
    "n_current",
]


def drift_by_day(
    reference_profile: dict[str, Any],
    window_features: pd.DataFrame,
    window_predictions: pd.DataFrame,
    run_date: RunDate,
    params: MonitoringParams,
) -> pd.DataFrame:
    """Every column judged on each window day's rows alone (levels at that day's row count)."""
    rng = np.random.default_rng(params.psi.calibration.seed)
    rows = []
    for day in sorted(window_predictions["partition_date"].unique()):
        features = window_features.loc[window_features["partition_date"] == day]
        predictions = window_predictions.loc[window_predictions["partition_date"] == day]
        columns = monitored_columns(reference_profile, features, predictions)
        for name, (profile, values) in columns.items():
            row, _ = judge_column(name, profile, values, params, rng)
            rows.append(
                {"run_date": run_date.iso, "day": pd.Timestamp(day).date().isoformat(), **row}
            )
    return pd.DataFrame(rows, columns=DAILY_DRIFT_COLUMNS)
