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


def compute_drift(
    reference_profile: dict[str, Any],
    scored_features: pd.DataFrame,
    predictions: pd.DataFrame,
    run_date: RunDate,
    params: MonitoringParams,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PSI of every profiled feature and of the predictions over the window.

    Each column's warning / critical levels are calibrated on the reference
    at the window's row count (:mod:`.calibration`), floored by the configured
    PSI levels; the PSI is one-directional for unseen / other / missing shares.

    Returns:
        ``(drift_report, drift_buckets)``: one row per feature (and
        ``prediction``) with its root column, PSI (and the classic two-sided
        PSI), the alert levels it was judged against, flag, sample sizes, the
        PSI expected from sampling noise alone, missing and unseen shares; and
        the per-bucket reference/current shares behind each PSI (for the charts).
    """
    settings = params.psi
    calibration = settings.calibration
    rng = np.random.default_rng(calibration.seed)
    min_rows = params.min_rows_for_drift
    day = run_date.iso
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
        enough = n_current >= min_rows
        flag = flag_of(value, warning, critical) if enough else "ok"
        shares = table.set_index("bucket")["current_share"]
        rows.append(
            {
                "run_date": day,
                "feature": name,
                "root": root_of(name),
                "kind": profile["kind"],
                "psi": value,
                "psi_two_sided": two_sided,
                "warning_at": warning,
                "critical_at": critical,
                "flag": flag,
                "enough_rows": enough,
                "n_reference": n_reference,
                "n_current": n_current,
                "psi_noise_floor": float(np.mean(null)) if len(null) else float("nan"),
                "missing_share": float(shares.get("__missing__", shares.get("__none__", 0.0))),
                "unseen_share": float(shares.get("__unseen__", 0.0)),
            }
        )
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
    return report, bucket_table
