"""Contracts of the monitoring pipeline: the inputs it checks, the tables it writes.

``Actuals`` and ``MonitoredPredictions`` are row contracts of what monitoring
reads (failing rows are quarantined); ``DriftReport``, ``PerformanceReport``
and ``MonitoringHistory`` are file contracts of its reports.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from user_score.contracts.checks import (
    field_count_check,
    iso_date_check,
    not_a_formula_check,
    number_in_range_check,
    parse_iso_dates,
)

#: Column monitoring adds to every delivered label: the day of its ``dt=`` folder.
DELIVERY_DAY = "partition_date"


class Actuals(pa.DataFrameModel):
    """Row contract of delivered labels (``prod/actuals/dt=YYYY-MM-DD/actuals.csv``).

    Labels arrive 7-14 days after scoring, not for every game, sometimes late,
    partial or twice. Rows breaking a rule go to ``monitoring_labels_quarantine``;
    repeated deliveries of one ``id`` are de-duplicated by monitoring: the latest
    delivery (``dt=`` folder) wins, whatever its ``event_date``.
    """

    id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1}, description="Game id.")
    event_date: Series[str] = pa.Field(
        nullable=False,
        description="Day the real user score became known, YYYY-MM-DD, not after delivery.",
    )
    real_user_score: Series[str] = pa.Field(nullable=False, description="Real user score 0-10.")

    class Config:
        strict = False
        coerce = True
        description = "Delivered labels; rows failing a rule are quarantined."

    event_date_format = iso_date_check("event_date")
    score_range = number_in_range_check("real_user_score", low=0, high=10)
    field_count = field_count_check()
    # ids are written into CSV files people open in spreadsheets (predictions, labels)
    id_not_a_formula = not_a_formula_check("id")

    @pa.dataframe_check(name="event_date: not_after_delivery")
    @classmethod
    def not_after_delivery(cls, frame: pd.DataFrame) -> pd.Series:
        """A label is dated on or before the day it was delivered (its ``dt=`` folder)."""
        if DELIVERY_DAY not in frame:
            return pd.Series(True, index=frame.index)
        return ~(parse_iso_dates(frame["event_date"]) > frame[DELIVERY_DAY])


class MonitoredPredictions(pa.DataFrameModel):
    """What monitoring reads from the daily ``predictions`` partitions."""

    id: Series[str] = pa.Field(nullable=False, description="Scored row id.")
    prediction_date: Series[str] = pa.Field(nullable=False, description="Scoring day.")
    predicted_user_score: Series[float] = pa.Field(ge=0, le=10)
    prediction_lower: Series[float] = pa.Field(ge=0, le=10, description="80 % interval, low.")
    prediction_upper: Series[float] = pa.Field(ge=0, le=10, description="80 % interval, high.")
    model_version: Series[str] = pa.Field(description="Model that made the prediction.")

    class Config:
        strict = False
        coerce = True
        description = "Columns of the scoring output that monitoring relies on."

    prediction_date_format = iso_date_check("prediction_date")


MONITORING_FLAGS = ["ok", "warning", "critical"]


class DriftReport(pa.DataFrameModel):
    """PSI per monitored feature and for the predictions (``drift_report``)."""

    run_date: Series[str] = pa.Field(description="Monitored day.")
    feature: Series[str] = pa.Field(unique=True, description="Feature, or 'prediction'.")
    root: Series[str] = pa.Field(description="Raw column the feature is derived from.")
    kind: Series[str] = pa.Field(isin=["numeric", "categorical", "multilabel"])
    psi: Series[float] = pa.Field(
        ge=0,
        nullable=True,
        description="PSI judged: unseen/other/missing shares count on increase only, an "
        "empty bucket as half an observation.",
    )
    psi_two_sided: Series[float] = pa.Field(
        ge=0, nullable=True, description="Classic PSI (every bucket both ways, epsilon floor)."
    )
    warning_at: Series[float] = pa.Field(
        ge=0, description="Warning level: undrifted PSI quantile at n_current, floored."
    )
    critical_at: Series[float] = pa.Field(
        ge=0, description="Critical level: undrifted PSI quantile at n_current, floored."
    )
    flag: Series[str] = pa.Field(isin=MONITORING_FLAGS)
    enough_rows: Series[bool] = pa.Field(description="n_current >= min_rows_for_drift.")
    n_reference: Series[int] = pa.Field(ge=0)
    n_current: Series[int] = pa.Field(ge=0)
    psi_noise_floor: Series[float] = pa.Field(
        nullable=True, description="Mean PSI of undrifted samples of n_current rows."
    )
    missing_share: Series[float] = pa.Field(ge=0, le=1)
    unseen_share: Series[float] = pa.Field(ge=0, le=1)

    class Config:
        strict = True
        description = "One row per monitored column, worst PSI first."


class PerformanceReport(pa.DataFrameModel):
    """Realised and estimated performance against the training baseline."""

    run_date: Series[str]
    metric: Series[str] = pa.Field(unique=True)
    value: Series[float] = pa.Field(nullable=True, description="Null when not computable.")
    baseline: Series[float] = pa.Field(
        nullable=True,
        description="MAE: expected for the rows' novelty cells (case mix); R2/RMSE: training "
        "CV; coverage: nominal level.",
    )
    change: Series[float] = pa.Field(
        nullable=True, description="value - baseline, in the metric's unit (one meaning)."
    )
    relative_change: Series[float] = pa.Field(nullable=True, description="value / baseline - 1.")
    flag: Series[str] = pa.Field(isin=MONITORING_FLAGS)
    rows: Series[int] = pa.Field(ge=0, description="Rows the metric is computed on.")
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        description = "One row per metric of the monitoring window."


class MonitoringHistory(pa.DataFrameModel):
    """One row per monitored run_date (``monitoring_history``); a rerun replaces its row."""

    run_date: Series[str] = pa.Field(unique=True, str_matches=r"^\d{4}-\d{2}-\d{2}$")
    status: Series[str] = pa.Field(isin=["GREEN", "AMBER", "RED"])
    recommended_action: Series[str] = pa.Field(isin=["none", "investigate", "retrain"])
    max_feature_psi: Series[float] = pa.Field(nullable=True)
    prediction_psi: Series[float] = pa.Field(nullable=True)
    mae: Series[float] = pa.Field(nullable=True)
    estimated_mae_unlabelled: Series[float] = pa.Field(nullable=True)

    class Config:
        strict = False
        description = "Monitoring trend table, oldest run_date first."
