"""Typed ``params:monitoring`` (``conf/base/parameters_monitoring.yml``), validated by Kedro 1.7.

Every node that takes ``params:monitoring`` (the monitoring pipeline and the
reference nodes training runs) annotates it with :class:`MonitoringParams`, so
a wrong value or an unknown key fails the run before any node runs, naming the
parameter (``Parameter 'monitoring': ... window_days ...``). The monitored day
is the top-level ``params:run_date`` (:class:`user_score.params.RunDate`); the
YAML file is the one source of the values, these classes are their schema.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from user_score.params import StrictParams


class Calibration(StrictParams):
    """Alert levels from undrifted samples of the reference at today's row count."""

    draws: int = Field(ge=100)
    warning_quantile: float = Field(gt=0.5, lt=1)
    critical_quantile: float = Field(gt=0.5, lt=1)
    seed: int

    @model_validator(mode="after")
    def _ordered(self) -> Calibration:
        if self.critical_quantile < self.warning_quantile:
            raise ValueError(
                f"psi.calibration.critical_quantile ({self.critical_quantile}) is below "
                "warning_quantile"
            )
        return self


class PSI(StrictParams):
    """PSI floors (the configured levels), the empty-bucket floor and the calibration."""

    warning: float = Field(gt=0)
    critical: float = Field(gt=0)
    epsilon: float = Field(gt=0, lt=1)
    calibration: Calibration

    @model_validator(mode="after")
    def _ordered(self) -> PSI:
        if self.critical < self.warning:
            raise ValueError(f"psi.critical ({self.critical}) is below psi.warning")
        return self


class Performance(StrictParams):
    """Realised metrics against the training CV baseline."""

    mae_increase_warning: float = Field(ge=0)
    mae_increase_critical: float = Field(ge=0)
    r2_drop_warning: float = Field(ge=0)
    r2_drop_critical: float = Field(ge=0)
    interval_coverage_drop_warning: float = Field(ge=0, le=1)


class Reference(StrictParams):
    """The training-time reference profile (built by the training run)."""

    rows: Literal["all", "labelled"]
    n_bins: int = Field(ge=2)
    top_n_genres: int = Field(ge=1)
    top_n_developers: int = Field(ge=1)
    exclude_features: list[str]


class Estimator(StrictParams):
    """The performance estimator (direct loss estimation), trained at training time."""

    cv_folds: int = Field(ge=2)
    seed: int
    #: LightGBM parameters over :data:`~.estimator.DEFAULT_ESTIMATOR_PARAMS`.
    params: dict[str, Any]


class Report(StrictParams):
    n_worst_features: int = Field(ge=0)


class MonitoringParams(StrictParams):
    """``params:monitoring``."""

    fail_on: Literal["none", "warning", "critical"]
    window_days: int = Field(ge=1)
    lookback_days: int = Field(ge=0)
    label_delay_max_days: int = Field(ge=0)
    min_rows_for_drift: int = Field(ge=0)
    min_labels: int = Field(ge=0)
    psi: PSI
    performance: Performance
    reference: Reference
    estimator: Estimator
    report: Report
