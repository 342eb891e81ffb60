"""The end-of-run summary: what ran, what came in and out, the key metrics, what next.

:class:`RunSummary` is filled by the console hook (``user_score.hooks.ConsoleHook``)
from the summaries the pipelines already save (``data_engineering_summary``,
``training_metrics``, ``scoring_summary``, ``monitoring_status``) as they are
saved, and rendered with the locations the catalog gives for the outputs.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from user_score.exceptions import exception_chain
from user_score.reliability.storage import dataset_location

#: Datasets whose saved content feeds the summary.
SUMMARISED = (
    "data_engineering_summary",
    "training_metrics",
    "scoring_summary",
    "monitoring_status",
)
#: Outputs whose location the summary names, in this order, when the run saved them.
OUTPUTS = {
    "games_quarantine": "quarantine",
    "model": "model",
    "model_card": "model card",
    "predictions@csv": "predictions",
    "scoring_quarantine": "rejected",
    "monitoring_report": "report",
}
#: Protocol letters of the training protocol table (src/user_score/pipelines/training).
PROTOCOLS = {
    "grouped_kfold": "a",
    "random_holdout": "b",
    "time_backtest": "c",
    "leave_studio_out": "d",
    "rolling_backtest": "e",
}
TOP_REASONS = 3


@dataclasses.dataclass
class RunSummary:
    """What one run did, as collected by the console hook."""

    pipelines: list[str]
    run_date: str | None = None
    env: str | None = None
    saved: dict[str, Any] = dataclasses.field(default_factory=dict)
    locations: dict[str, str] = dataclasses.field(default_factory=dict)
    seconds: float | None = None
    #: The run's MLflow record (tracking extra): ``run_id``, ``experiment``, and after
    #: a training run ``registered_model`` and ``registered_version``.
    tracking: dict[str, str] | None = None

    def record(self, dataset_name: str, data: Any, catalog: Any) -> None:
        """Keep a summarised dataset's content and a named output's location."""
        if dataset_name in SUMMARISED and isinstance(data, dict):
            self.saved[dataset_name] = data
        if dataset_name in OUTPUTS:
            location = _location(catalog, dataset_name)
            if location:
                self.locations[dataset_name] = location

    def lines(self) -> list[str]:
        """The summary, one string per line (about 10-20 lines)."""
        rule = "-" * 78
        head = f"user-score run: {', '.join(self.pipelines)}"
        if self.run_date:
            head += f" | run_date {self.run_date}"
        if self.env:
            head += f" | env {self.env}"
        if self.seconds is not None:
            head += f" | {self.seconds:.0f} s"
        out = [rule, head]
        out += _engineering(self.saved.get("data_engineering_summary"))
        out += _training(self.saved.get("training_metrics"))
        out += _scoring(self.saved.get("scoring_summary"))
        out += _monitoring(self.saved.get("monitoring_status"))
        for name, label in OUTPUTS.items():
            if name in self.locations:
                out.append(f"{label:<12}{self.locations[name]}")
        out += _tracking(self.tracking)
        out.append(f"{'next':<12}{next_command(self)}")
        out.append(rule)
        return out


def _location(catalog: Any, dataset_name: str) -> str | None:
    try:
        dataset = catalog[dataset_name]
    except Exception:
        return None
    location = _relative(dataset_location(dataset))
    version = getattr(dataset, "_version", None)
    save_version = getattr(version, "save", None)
    if location and save_version:
        location = f"{location} (version {save_version})"
    return location


def _relative(location: str | None) -> str | None:
    """A local path under the working directory, relative to it (shorter to read)."""
    here = f"{Path.cwd()}/"
    if location and location.startswith(here):
        return location[len(here) :]
    return location


def _engineering(summary: dict[str, Any] | None) -> list[str]:
    if not summary:
        return []
    return [
        f"{'catalog':<12}rows in {summary.get('rows_in')}, clean {summary.get('rows_clean')}, "
        f"quarantined {summary.get('rows_quarantined')}, labelled "
        f"{summary.get('labelled_games')}"
    ]


def protocol_table(metrics: dict[str, Any]) -> list[str]:
    """The chosen model's MAE / RMSE / R2 under each training protocol, one line each."""
    chosen = metrics.get("chosen_model")
    lines = [f"{'':<12}{'protocol':<22}{'MAE':>7}{'RMSE':>7}{'R2':>7}"]
    for name, result in metrics.get("protocols", {}).items():
        scores = result.get("candidates", {}).get(chosen)
        if not scores:
            continue
        label = f"({PROTOCOLS.get(name, '?')}) {name}"
        lines.append(
            f"{'':<12}{label:<22}{scores['mae']:>7.3f}{scores['rmse']:>7.3f}{scores['r2']:>7.3f}"
        )
    return lines


def _training(metrics: dict[str, Any] | None) -> list[str]:
    if not metrics:
        return []
    selection = metrics.get("selection", {})
    targets = metrics.get("targets", {})
    failed = [name for name, check in targets.items() if isinstance(check, dict) and not _ok(check)]
    return [
        f"{'training':<12}model {metrics.get('model_version')}: chosen "
        f"'{metrics.get('chosen_model')}' of {len(selection.get('scores', {}))} candidates, "
        f"{metrics.get('training_rows')} rows; targets "
        + ("all pass" if not failed else f"FAIL: {', '.join(failed)}"),
        *protocol_table(metrics),
    ]


def _ok(check: dict[str, Any]) -> bool:
    """A target passes when its ``pass`` (or every nested check's) is true."""
    if "pass" in check:
        return bool(check["pass"])
    return all(_ok(value) for value in check.values() if isinstance(value, dict))


def _top(counts: dict[str, int] | None) -> str:
    if not counts:
        return ""
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS]
    return " (top: " + ", ".join(f"{reason} {count}" for reason, count in top) + ")"


def _scoring(summary: dict[str, Any] | None) -> list[str]:
    if not summary:
        return []
    return [
        f"{'scoring':<12}rows in {summary.get('rows_in')}, scored {summary.get('rows_scored')}, "
        f"quarantined {summary.get('rows_quarantined')}" + _top(summary.get("quarantine_reasons")),
        f"{'':<12}model {summary.get('model_version')}",
    ]


def _monitoring(status: dict[str, Any] | None) -> list[str]:
    if not status:
        return []
    reasons = status.get("reasons") or []
    lines = [
        f"{'monitoring':<12}status {status.get('status')}, action "
        f"{status.get('recommended_action')}" + ("" if reasons else ", no reasons")
    ]
    lines += [f"{'':<12}- {reason}" for reason in reasons[:TOP_REASONS]]
    if len(reasons) > TOP_REASONS:
        lines.append(f"{'':<12}(+{len(reasons) - TOP_REASONS} more in the report)")
    return lines


def _tracking(tracked: dict[str, str] | None) -> list[str]:
    """The MLflow run and, after training, the registered model version (docs/tracking.md)."""
    if not tracked or not tracked.get("run_id"):
        return []
    line = f"{'mlflow':<12}run {tracked['run_id']}"
    if tracked.get("experiment"):
        line += f" (experiment {tracked['experiment']})"
    if tracked.get("registered_version"):
        line += f", registered {tracked.get('registered_model')} version "
        line += str(tracked["registered_version"])
    return [line]


def _next_day(summary: RunSummary) -> str:
    try:
        return (date.fromisoformat(str(summary.run_date)) + timedelta(days=1)).isoformat()
    except ValueError:
        return "YYYY-MM-DD"


def next_command(summary: RunSummary) -> str:
    """The command a user most likely runs next."""
    status = (summary.saved.get("monitoring_status") or {}).get("status")
    if status == "RED":
        return "kedro run --pipelines training   (monitoring recommends a retrain)"
    if "monitoring_status" in summary.saved:
        return f"kedro run --pipelines scoring,monitoring --params run_date={_next_day(summary)}"
    if "scoring_summary" in summary.saved:
        return "kedro run --pipelines monitoring" + (
            f" --params run_date={summary.run_date}" if summary.run_date else ""
        )
    if "training_metrics" in summary.saved:
        return "kedro run --pipelines scoring --params run_date=YYYY-MM-DD"
    if "data_engineering_summary" in summary.saved:
        return "kedro run --pipelines training"
    return "kedro run   (the whole loop; --pipelines <name> for one step)"


def attach_report_path(error: BaseException, catalog: Any) -> None:
    """Give a monitoring alert the report's location, for its error block."""
    from user_score.pipelines.monitoring.status import MonitoringAlert

    for candidate in exception_chain(error):
        if isinstance(candidate, MonitoringAlert):
            candidate.report_path = _location(catalog, "monitoring_report")  # type: ignore[attr-defined]
