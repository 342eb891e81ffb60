"""GREEN / AMBER / RED: the run's status, its reasons, and the scheduler's exit code.

``assess_status`` gathers every flag of the drift and performance reports
(and a model-version mismatch) into ``monitoring_status``; the worst flag sets
the status and the recommended action of the runbook. ``enforce_fail_on``
runs last and turns a status into a failed run when ``fail_on`` asks for it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from user_score.params import RunDate

from .drift import PREDICTION
from .flags import STATUS_OF_FLAG
from .params import MonitoringParams
from .windows import window_bounds

logger = logging.getLogger(__name__)

ACTIONS = {"GREEN": "none", "AMBER": "investigate", "RED": "retrain"}
FAIL_ON = {"none": None, "warning": ("AMBER", "RED"), "critical": ("RED",)}


class MonitoringAlert(RuntimeError):
    """Raised after the reports are saved when the status reaches ``fail_on``."""


def _none_if_nan(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def drift_reasons(drift_report: pd.DataFrame) -> list[dict[str, Any]]:
    """One reason per drifted root column, its drifted features listed worst first.

    A new platform moves ``platform``, ``platform_launch_year`` and
    ``years_since_platform_launch``: that is one cause, so one reason
    (``feature drift in platform: ...``) with the worst flag of its features.
    """
    flagged = drift_report.loc[drift_report["flag"] != "ok"]
    if "root" not in flagged:
        flagged = flagged.assign(root=flagged["feature"])
    reasons = []
    order = flagged.groupby("root", sort=False)["psi"].max().sort_values(ascending=False).index
    for root in order:
        children = flagged.loc[flagged["root"] == root].sort_values("psi", ascending=False)
        severity = "critical" if (children["flag"] == "critical").any() else "warning"
        what = "prediction drift" if root == PREDICTION else "feature drift"
        listed = ", ".join(
            f"PSI({row.feature}) = {row.psi:.3f} ({row.flag} at {_level(row):.3f})"
            for row in children.itertuples()
        )
        reasons.append(
            {
                "severity": severity,
                "source": what,
                "root": root,
                "features": children["feature"].tolist(),
                "message": f"{what}: {listed}"
                if root == PREDICTION
                else f"{what} in {root}: {listed}",
            }
        )
    return reasons


def drift_headline(drift_report: pd.DataFrame) -> str:
    """``k of n features drifted`` (the prediction is not a feature; roots in brackets)."""
    features = drift_report.loc[drift_report["feature"] != PREDICTION]
    drifted = features.loc[features["flag"] != "ok"]
    roots = sorted(set(drifted.get("root", drifted["feature"])))
    text = f"{len(drifted)} of {len(features)} features drifted"
    return f"{text} ({', '.join(roots)})" if roots else text


def _relative_text(row: Any) -> str:
    relative = getattr(row, "relative_change", np.nan)
    return "relative n/a" if relative is None or np.isnan(relative) else f"{relative:+.1%}"


def _level(row: Any) -> float:
    return float(getattr(row, "critical_at" if row.flag == "critical" else "warning_at", np.nan))


def assess_status(
    drift_report: pd.DataFrame,
    performance_report: pd.DataFrame,
    predictions: pd.DataFrame,
    label_intake: dict[str, Any],
    reference_profile: dict[str, Any],
    run_date: RunDate,
    params: MonitoringParams,
) -> dict[str, Any]:
    """Overall GREEN / AMBER / RED, the reasons and the recommended action.

    RED when any flag is critical, AMBER when any is a warning, else GREEN;
    the action follows the runbook (none / investigate / retrain). Labels not
    arrived yet is a normal state, reported in ``performance.state``.
    """
    reasons = drift_reasons(drift_report)
    for row in performance_report.itertuples():
        if row.flag != "ok":
            reasons.append(
                {
                    "severity": row.flag,
                    "source": "performance",
                    "message": f"{row.metric} = {row.value:.3f} vs baseline {row.baseline:.3f} "
                    f"(change {row.change:+.3f}, {_relative_text(row)})",
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
        if matched >= params.min_labels
        else "too_few_labels"
    )
    first, last = window_bounds(run_date, params)
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
            "headline": drift_headline(drift_report),
            "thresholds": {
                "warning_floor": params.psi.warning,
                "critical_floor": params.psi.critical,
                "calibration": params.psi.calibration.model_dump(),
            },
            "max_feature_psi": _none_if_nan(
                drift_report.loc[drift_report["feature"] != PREDICTION, "psi"].max()
            ),
            "prediction_psi": _none_if_nan(
                drift_report.loc[drift_report["feature"] == PREDICTION, "psi"].iloc[0]
            ),
            "features": {
                row.feature: {
                    "psi": _none_if_nan(row.psi),
                    "flag": row.flag,
                    "root": getattr(row, "root", row.feature),
                    "warning_at": _none_if_nan(getattr(row, "warning_at", np.nan)),
                    "critical_at": _none_if_nan(getattr(row, "critical_at", np.nan)),
                }
                for row in drift_report.itertuples()
            },
        },
        "performance": {
            "state": state,
            "message": {
                "no_labels": "no labels yet for this window: normal, performance not judged",
                "too_few_labels": f"{matched} labels (< min_labels={params.min_labels}): "
                "performance shown, not judged",
                "judged": f"{matched} labels matched",
            }[state],
            "metrics": {
                row.metric: {
                    "value": _none_if_nan(row.value),
                    "baseline": _none_if_nan(row.baseline),
                    "change": _none_if_nan(row.change),
                    "relative_change": _none_if_nan(getattr(row, "relative_change", np.nan)),
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


def enforce_fail_on(
    monitoring_status: dict[str, Any], monitoring_report: str, params: MonitoringParams
) -> None:
    """Fail the run (non-zero exit) when the status reaches ``fail_on``.

    Runs last, after the status, reports and history have been saved, so a
    scheduler gets both the alert and the evidence. ``fail_on``: ``none``
    (default), ``warning`` (AMBER or RED) or ``critical`` (RED).

    Raises:
        MonitoringAlert: If the status is one ``fail_on`` fails on.
    """
    fail_on = params.fail_on
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
