"""Which partitions a run_date's monitoring window holds.

Dates: a *window* is ``run_date`` and the ``window_days - 1`` days before it.
The three ``select_*`` nodes read the daily ``dt=YYYY-MM-DD`` partitions of
predictions, scored features and delivered labels (only those in range are
loaded), check them against their contracts and tag every row with its
partition day and whether it falls in the window. Later nodes never look at
partitions again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from user_score.contracts import Actuals, MonitoredPredictions, split_by_contract
from user_score.contracts.checks import parse_iso_dates
from user_score.params import RunDate

from .params import MonitoringParams

logger = logging.getLogger(__name__)

#: A partition key: ``dt=<day>/<file name without suffix>``.
PARTITION_KEY = re.compile(r"dt=(?P<day>[^/]+)/(?P<file>[^/]+)")


def window_bounds(run_date: RunDate, params: MonitoringParams) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the monitoring window (inclusive): ``run_date`` is the last."""
    end = run_date.day
    return end - pd.Timedelta(days=params.window_days - 1), end


def partition_day(key: str, file: str) -> tuple[pd.Timestamp | None, str]:
    """The day of the partition key ``dt=YYYY-MM-DD/<file>``, or ``None`` and why not.

    Anything else in the folders is not a partition: a stray copy in a day's folder
    (``dt=2021-03-01/predictions_backup``, ``features (copy)``) would count its rows
    twice, and a folder that is no calendar day (``dt=2021-02-30``) has no date.
    """
    match = PARTITION_KEY.fullmatch(key)
    if match is None:
        return None, "not a dt=YYYY-MM-DD/ folder"
    if match["file"] != file:
        return None, f"not the day's {file!r} file"
    day = parse_iso_dates(pd.Series([match["day"]])).iloc[0]
    if pd.isna(day):
        return None, "its folder is not a calendar day dt=YYYY-MM-DD"
    return pd.Timestamp(day), ""


def load_partitions(
    partitions: Mapping[str, Callable[[], pd.DataFrame]],
    first: pd.Timestamp,
    last: pd.Timestamp,
    name: str,
    file: str,
    required: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[str]]:
    """Load the ``dt=YYYY-MM-DD/<file>`` partitions dated ``first..last``, tag rows with their day.

    Only the partitions in range are read (``PartitionedDataset`` loads lazily);
    partitions dated after ``last`` (e.g. a simulation's future labels) are ignored.
    Other keys (see :func:`partition_day`) are never read: each is logged as a
    warning and returned in the list of ignored keys.

    Raises:
        ValueError: If a partition that was read lacks a ``required`` column,
            naming the partition and the columns. This is checked per file, even
            when it has no rows: a one-line JSON body or HTML error page reads as
            a header without rows and must not pass as "no data yet".
    """
    frames, ignored = [], []
    for key in sorted(partitions):
        day, why = partition_day(key, file)
        if day is None:
            logger.warning("%s: ignoring %r: %s (not read)", name, key, why)
            ignored.append(key)
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
        return pd.DataFrame(columns=[*required, "partition_date", "partition"]), ignored
    return pd.concat(frames, ignore_index=True), ignored


def select_predictions(
    predictions_partitions: Mapping[str, Callable[[], pd.DataFrame]],
    run_date: RunDate,
    params: MonitoringParams,
) -> pd.DataFrame:
    """Every prediction of the look-back period (window + late labels), checked.

    Raises:
        ValueError: If the window itself has no predictions (scoring did not
            run for those days), naming the dates; or a partition breaks the
            ``MonitoredPredictions`` contract.
    """
    first, last = window_bounds(run_date, params)
    lookback = last - pd.Timedelta(days=params.lookback_days)
    frame, _ = load_partitions(
        predictions_partitions,
        min(lookback, first),
        last,
        "predictions",
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
    features_partitions: Mapping[str, Callable[[], pd.DataFrame]],
    run_date: RunDate,
    params: MonitoringParams,
) -> pd.DataFrame:
    """Scored features (``id`` + model input features) of the window and the days before.

    Drift uses the window's rows (``in_window``); the performance estimate
    also needs the features of predictions made up to ``label_delay_max_days``
    before the window, whose labels arrive in it.
    """
    first, last = window_bounds(run_date, params)
    start = first - pd.Timedelta(days=params.label_delay_max_days)
    frame, _ = load_partitions(
        features_partitions, start, last, "scored features", "features", required=["id"]
    )
    frame["in_window"] = frame["partition_date"].between(first, last)
    logger.info(
        "scored features: %d rows, %d in the window", len(frame), int(frame["in_window"].sum())
    )
    return frame.reset_index(drop=True)


def select_labels(
    actuals_partitions: Mapping[str, Callable[[], pd.DataFrame]],
    run_date: RunDate,
    params: MonitoringParams,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Labels of the look-back period: contract-checked and de-duplicated.

    A label row breaking the ``Actuals`` row contract (no id, score outside
    0-10, a date that is not exactly ``YYYY-MM-DD``, a date after the day it was
    delivered) goes to quarantine with a ``reason``. The same game delivered
    several times keeps its latest delivery (latest ``dt=`` partition, then
    last row), as corrections are delivered later, whatever their ``event_date``.

    Returns:
        ``(labels, quarantined, intake)``; ``labels`` has one row per ``id``
        with ``in_window`` (arrived in the window); ``intake`` accounts for
        every row: ``rows_in = labels + quarantined + duplicates_removed``, and
        lists the keys under ``actuals`` that are no partition (``ignored_partitions``).
    """
    first, last = window_bounds(run_date, params)
    lookback = last - pd.Timedelta(days=params.lookback_days)
    columns = list(Actuals.to_schema().columns)
    raw, ignored = load_partitions(
        actuals_partitions, min(lookback, first), last, "actuals", "actuals", required=columns
    )
    raw = raw.reset_index(drop=True)
    valid, quarantined = split_by_contract(raw, Actuals)
    labels = valid.assign(
        id=valid["id"].astype(str),
        event_date=pd.to_datetime(valid["event_date"], format="%Y-%m-%d"),
        real_user_score=pd.to_numeric(valid["real_user_score"]).astype("float64"),
        row=np.arange(len(valid)),
    ).sort_values(["id", "partition_date", "row"])
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
        "ignored_partitions": ignored,
    }
    if (
        intake["rows_in"]
        != intake["labels"] + intake["rows_quarantined"] + intake["duplicates_removed"]
    ):
        raise ValueError(f"actuals lost rows: {intake}")
    logger.info("actuals: %s", intake)
    return deduplicated.reset_index(drop=True), quarantined.reset_index(drop=True), intake
