"""Nodes of the ``scoring`` pipeline.

batch_input (one day, text) -> row contract (quarantine) -> stateless features
-> the model artifact's own preprocessing and predict (chunked) -> predictions,
scored_features, scoring_quarantine, scoring_summary.

Every input row ends in exactly one of: scored, quarantined. The nodes are
vectorised end to end: per-value parsing (dates, list strings, titles) runs
once per *distinct* value, and the model is called on chunks of
``chunk_size`` rows so the working memory of a large day stays flat.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from user_score.contracts import BATCH_COLUMNS, BatchInputRow, split_by_contract
from user_score.contracts.checks import is_ten_point_scale
from user_score.datasets import FIELD_COUNT_ERROR
from user_score.features import build_features, parse_raw_games
from user_score.model import INPUT_FEATURES, UserScoreModel
from user_score.params import RunDate

from .params import ScoringParams

logger = logging.getLogger(__name__)

PREDICTION_COLUMNS: list[str] = [
    "id",
    "prediction_date",
    "predicted_user_score",
    "prediction_lower",
    "prediction_upper",
    "model_version",
    "features_hash",
]
SCORED_FEATURE_COLUMNS: list[str] = ["id", *INPUT_FEATURES]
#: A quarantined row: where it was, its values as read, why, and (for a row whose field
#: count differs from the header's) what was wrong with its fields.
QUARANTINE_COLUMNS: list[str] = ["source_row", *BATCH_COLUMNS, "reason", FIELD_COUNT_ERROR]


def validate_batch_input(
    batch_input: pd.DataFrame, run_date: RunDate
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Apply the ``BatchInputRow`` row contract to one day's batch.

    Columns other than the eight batch columns (for example a leaked
    ``user_score``) are dropped here and never reach features or the model.
    A row with more or fewer fields than the header (marked by the
    ``batch_input`` dataset) is quarantined as ``row: field_count``.
    An id that occurs several times is ambiguous: *every* copy is quarantined
    (``id: unique``), so no id is ever scored twice or attributed to the wrong row.

    Args:
        batch_input: The day's file, every column as text (file contract ``BatchInput``).
        run_date: ``params:run_date``, the day of the file.

    Returns:
        ``(valid_rows, rejected_rows, intake)``: valid rows (batch columns plus
        ``source_row``, the 0-based data row in the file), rejected rows
        unchanged with ``source_row`` and ``reason``, and the intake facts
        (``run_date``, ``rows_in``, ``ignored_columns``, ``meta_score_scale_suspect``).
    """
    read = [*BATCH_COLUMNS, FIELD_COUNT_ERROR]
    ignored = [column for column in batch_input.columns if column not in read]
    if ignored:
        logger.warning("batch_input %s: ignoring extra columns %s", run_date, ignored)
    rows = batch_input.reindex(columns=read).reset_index(drop=True)
    rows.insert(0, "source_row", np.arange(len(rows), dtype="int64"))
    with warnings.catch_warnings():
        # pandera warns when a custom check returns a frame-length boolean; harmless.
        warnings.simplefilter("ignore", UserWarning)
        valid, rejected = split_by_contract(rows, BatchInputRow)
    logger.info(
        "batch_input %s: %d rows, %d rejected by the row contract",
        run_date,
        len(rows),
        len(rejected),
    )
    suspect = is_ten_point_scale(rows["meta_score"])
    if suspect:
        logger.warning(
            "batch_input %s: every meta_score is within 0-10: a 0-10 scale? meta_score is "
            "0-100 (the rows are scored; scoring_summary.meta_score_scale_suspect is true)",
            run_date,
        )
    intake = {
        "run_date": run_date.iso,
        "rows_in": len(rows),
        "ignored_columns": ignored,
        "meta_score_scale_suspect": suspect,
    }
    return valid.drop(columns=FIELD_COUNT_ERROR), rejected, intake


def build_scoring_features(valid_rows: pd.DataFrame) -> pd.DataFrame:
    """Type the valid rows and compute the stateless features, exactly as training did.

    Uses :func:`user_score.features.parse_raw_games` and
    :func:`user_score.features.build_features`, the functions that built
    ``model_input_table``; everything fitted stays inside the model artifact.

    Returns:
        ``id`` plus the :data:`user_score.model.INPUT_FEATURES` columns, one row
        per valid row, in input order.
    """
    features = build_features(parse_raw_games(valid_rows))
    # The ids' own array (no Python string per row), positionally: the frames share rows.
    features.insert(0, "id", valid_rows["id"].astype(str).array)
    if list(features.columns) != SCORED_FEATURE_COLUMNS:  # a copy only if out of order
        features = features.loc[:, SCORED_FEATURE_COLUMNS]
    return features.reset_index(drop=True)


def predict_batch(
    scoring_features: pd.DataFrame, model: Any, run_date: RunDate, params: ScoringParams
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Score the features with the model artifact, ``chunk_size`` rows at a time.

    Args:
        scoring_features: Output of :func:`build_scoring_features`.
        model: The ``model`` artifact (:class:`user_score.model.UserScoreModel`).
        run_date: ``params:run_date`` (the predictions' ``prediction_date``).
        params: ``params:scoring`` (``chunk_size``).

    Returns:
        ``(predictions, scored_features, model_report)``: predictions with the
        80 % interval, ``model_version`` and ``features_hash``; the features
        exactly as scored (for monitoring's drift); and the model facts for the
        summary (``model_version``, unseen-category counts per feature).
    """
    if not isinstance(model, UserScoreModel):
        raise TypeError(
            f"the 'model' dataset holds a {type(model).__name__}, not a UserScoreModel: the "
            "model store holds another object (its checksum matches, so it was saved as one). "
            "Rule: scoring loads only models the training pipeline saved; retrain "
            "(kedro run --pipelines training) or restore model.pkl with its .sha256 file."
        )
    chunk_size = params.chunk_size
    version = str(model.model_version)
    parts: list[pd.DataFrame] = []
    unseen: dict[str, int] = {}
    for start in range(0, len(scoring_features), chunk_size):
        chunk = scoring_features.iloc[start : start + chunk_size]
        features = chunk.loc[:, INPUT_FEATURES]
        scored = model.predict(features)
        parts.append(
            pd.DataFrame(
                {
                    "id": chunk["id"].to_numpy(),
                    "predicted_user_score": scored["predicted_user_score"].to_numpy(),
                    "prediction_lower": scored["prediction_lower"].to_numpy(),
                    "prediction_upper": scored["prediction_upper"].to_numpy(),
                    "features_hash": model.features_hash(features).to_numpy(),
                }
            )
        )
        for column, count in model.preprocessor.unseen_counts(features).items():
            unseen[column] = unseen.get(column, 0) + int(count)
    if parts:
        predictions = pd.concat(parts, ignore_index=True)
    else:
        predictions = pd.DataFrame(
            {
                "id": pd.Series(dtype=str),
                **{
                    column: pd.Series(dtype="float64")
                    for column in ("predicted_user_score", "prediction_lower", "prediction_upper")
                },
                "features_hash": pd.Series(dtype=str),
            }
        )
        unseen = {column: 0 for column in model.preprocessor.unseen_counts(scoring_features)}
    predictions["prediction_date"] = run_date.iso
    predictions["model_version"] = version
    predictions = predictions.loc[:, PREDICTION_COLUMNS]
    for column in ("id", "prediction_date", "model_version", "features_hash"):
        predictions[column] = predictions[column].astype(str)
    logger.info(
        "scored %d rows for %s with model %s; unseen categories: %s",
        len(predictions),
        run_date,
        version,
        unseen,
    )
    report = {
        "model_version": version,
        "unseen_categories": unseen,
        "rows_scored": len(predictions),
        "ids_scored_twice": int(predictions["id"].duplicated().sum()),
    }
    return predictions, scoring_features, report


def build_scoring_quarantine(
    rejected_rows: pd.DataFrame, model_report: dict[str, Any]
) -> pd.DataFrame:
    """The day's rejected rows, unchanged, with ``source_row`` and ``reason``.

    Takes the model report only to run after the valid rows were scored: a day
    whose model is missing or invalid leaves no quarantine file either.
    """
    logger.debug("quarantine of a day scored with model %s", model_report["model_version"])
    return rejected_rows.reindex(columns=QUARANTINE_COLUMNS).reset_index(drop=True)


def summarise_scoring(
    intake: dict[str, Any],
    rejected_rows: pd.DataFrame,
    model_report: dict[str, Any],
) -> dict[str, Any]:
    """Account for every input row; fail loudly if one is missing or scored twice.

    Returns:
        The ``scoring_summary`` JSON: run_date, rows in / scored / quarantined,
        per-reason counts, unseen categories per feature, model_version. How long
        each node took is logged by :class:`user_score.timing.NodeTimingHook`
        (nodes read no clock).

    Raises:
        ValueError: If ``rows_in != rows_scored + rows_quarantined`` or an id
            was scored twice.
    """
    reasons = quarantine_reason_counts(rejected_rows)
    return build_scoring_summary(intake, reasons, len(rejected_rows), model_report)


def quarantine_reason_counts(rejected_rows: pd.DataFrame) -> dict[str, int]:
    """How many quarantined rows broke each rule (a row with two reasons counts in both)."""
    if not len(rejected_rows):
        return {}
    counts = rejected_rows["reason"].str.split("; ").explode().value_counts()
    return {str(reason): int(count) for reason, count in counts.items()}


def build_scoring_summary(
    intake: dict[str, Any],
    reason_counts: dict[str, int],
    rows_quarantined: int,
    model_report: dict[str, Any],
) -> dict[str, Any]:
    """The ``scoring_summary`` of counts (see :func:`summarise_scoring`; its checks too).

    Also used by the paths that score a day in parts
    (:class:`~user_score.pipelines.scoring.partitions.DayTally`).
    """
    summary = {
        "run_date": intake["run_date"],
        "rows_in": int(intake["rows_in"]),
        "rows_scored": int(model_report["rows_scored"]),
        "rows_quarantined": int(rows_quarantined),
        "quarantine_reasons": {k: int(reason_counts[k]) for k in sorted(reason_counts)},
        "unseen_categories": {k: int(v) for k, v in model_report["unseen_categories"].items()},
        "model_version": model_report["model_version"],
        "ignored_columns": list(intake["ignored_columns"]),
        "meta_score_scale_suspect": bool(intake["meta_score_scale_suspect"]),
    }
    summary["invariant_holds"] = (
        summary["rows_scored"] + summary["rows_quarantined"] == summary["rows_in"]
    )
    if not summary["invariant_holds"]:
        raise ValueError(
            f"scoring lost rows for {summary['run_date']}: rows_in={summary['rows_in']} but "
            f"scored + quarantined = {summary['rows_scored'] + summary['rows_quarantined']}"
        )
    if model_report["ids_scored_twice"]:
        raise ValueError(f"scoring for {summary['run_date']} scored an id twice")
    logger.info("scoring_summary: %s", summary)
    return summary
