"""Nodes of the ``training`` pipeline (pure functions; all I/O through the catalog).

model_input_table -> labelled rows -> every candidate under every protocol
(:mod:`.protocols`, :mod:`.evaluation`) -> the selection rule (:mod:`.selection`)
-> intervals calibrated on the shift protocols (:mod:`.intervals`) -> the chosen
model refitted on every labelled game -> one versioned ``UserScoreModel``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from user_score.model import NoveltyIntervals, UserScoreModel, data_fingerprint

from .candidates import fit_components, recipe
from .evaluation import TARGET, run_protocol
from .intervals import calibrate_intervals as calibrate_from_residuals
from .intervals import interval_coverage
from .params import PROTOCOL_LABELS, TrainingParams
from .selection import select_candidate

logger = logging.getLogger(__name__)


def run_time(run_started_at: str) -> datetime:
    """``params:run_started_at`` (ISO 8601, e.g. ``2021-03-01T00:00:00Z``) as a UTC datetime."""
    try:
        moment = datetime.fromisoformat(str(run_started_at))
    except ValueError as exc:
        raise ValueError(
            f"run_started_at must be an ISO 8601 time such as 2021-03-01T00:00:00Z, "
            f"got {run_started_at!r}"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def select_training_rows(model_input_table: pd.DataFrame, params: TrainingParams) -> pd.DataFrame:
    """The labelled games training learns from (unlabelled ones are only scored later).

    Raises:
        ValueError: Too few labelled rows for the protocols, or a labelled row
            without a user score.
    """
    rows = model_input_table.loc[model_input_table["is_labelled"].astype(bool)]
    if rows[TARGET].isna().any():
        raise ValueError("model_input_table: is_labelled rows must have a user_score")
    needed = params.protocols.grouped_kfold.n_splits * 2
    if len(rows) < needed:
        raise ValueError(
            f"model_input_table has {len(rows)} labelled rows; training needs at least {needed}"
        )
    rows = rows.sort_values("game_id", kind="mergesort").reset_index(drop=True)
    logger.info(
        "training rows: %d labelled of %d games (%d base titles)",
        len(rows),
        len(model_input_table),
        rows[params.group_column].nunique(),
    )
    return rows


def protocol_node(protocol: str) -> Callable[..., tuple[dict[str, Any], pd.DataFrame]]:
    """The node function that evaluates every candidate under ``protocol``."""

    def evaluate(
        training_rows: pd.DataFrame, params: TrainingParams
    ) -> tuple[dict[str, Any], pd.DataFrame]:
        return run_protocol(training_rows, protocol, params)

    evaluate.__name__ = evaluate.__qualname__ = f"evaluate_{protocol}"
    evaluate.__doc__ = (
        f"Protocol ({PROTOCOL_LABELS[protocol]}) {protocol}: every candidate, fitted on each "
        "split's training part, predicts its test part (see protocols.py)."
    )
    return evaluate


def select_model(params: TrainingParams, **protocol_results: dict[str, Any]) -> dict[str, Any]:
    """Choose the artifact's candidate by ``training.selection`` (see selection.py)."""
    return select_candidate(protocol_results, params)


def chosen_oof_predictions(
    model_selection: dict[str, Any], grouped_kfold_predictions: pd.DataFrame
) -> pd.DataFrame:
    """Protocol (a) out-of-fold predictions of the chosen model, for monitoring's estimator.

    Returns:
        ``game_id, user_score, oof_prediction, repeat, fold``.
    """
    chosen = model_selection["chosen_model"]
    frame = grouped_kfold_predictions
    parts = frame["split"].str.extract(r"r(?P<repeat>\d+)f(?P<fold>\d+)").astype("int64")
    return pd.DataFrame(
        {
            "game_id": frame["game_id"].to_numpy(),
            TARGET: frame[TARGET].to_numpy(),
            "oof_prediction": frame[chosen].to_numpy(),
            "repeat": parts["repeat"].to_numpy(),
            "fold": parts["fold"].to_numpy(),
        }
    )


def calibrate_intervals(
    model_selection: dict[str, Any],
    training_rows: pd.DataFrame,
    params: TrainingParams,
    **protocol_predictions: pd.DataFrame,
) -> tuple[NoveltyIntervals, dict[str, Any]]:
    """The artifact's intervals (shift-protocol residuals), their coverage under every protocol."""
    chosen = model_selection["chosen_model"]
    meta_scores = training_rows.set_index("game_id")["meta_score"]
    calibration = [protocol_predictions[name] for name in params.interval.calibration_protocols]
    intervals = calibrate_from_residuals(calibration, chosen, meta_scores, params)
    return intervals, interval_coverage(protocol_predictions, chosen, meta_scores, params)


def train_model(
    training_rows: pd.DataFrame,
    model_selection: dict[str, Any],
    interval_calibration: NoveltyIntervals,
    params: TrainingParams,
    run_started_at: str,
    **protocol_results: dict[str, Any],
) -> UserScoreModel:
    """Fit the chosen candidate on every labelled row, with its calibrated intervals.

    The artifact's metadata carries the model version (the run's start time,
    ``params:run_started_at``, + the training-data fingerprint), the model type
    and recipe, every protocol's metrics of the chosen model (``metrics['cv']``:
    protocol (a), monitoring's baseline) and the interval cells (offsets and expected
    MAE per novelty cell).
    """
    chosen = model_selection["chosen_model"]
    y = training_rows[TARGET]
    fingerprint = data_fingerprint(training_rows, y)
    trained_at = run_time(run_started_at)
    metrics = {
        name: {key: result["candidates"][chosen][key] for key in ("mae", "rmse", "r2", "n")}
        for name, result in protocol_results.items()
    }
    grouped = protocol_results["grouped_kfold"]["candidates"][chosen]["by_split"]
    weights = recipe(chosen, params)
    model = fit_components(
        [chosen],
        training_rows,
        y,
        training_rows[params.group_column],
        params,
        weights=weights,
        metadata={
            "model_version": f"{trained_at:%Y%m%dT%H%M%SZ}-{fingerprint[:8]}",
            "trained_at": trained_at.isoformat(timespec="seconds"),
            "model_type": chosen,
            "metrics": {
                "cv": metrics["grouped_kfold"],
                "cv_std": {key: grouped[key]["std"] for key in ("mae", "r2")},
                "protocols": metrics,
            },
        },
    ).with_intervals(interval_calibration)
    logger.info(
        "model %s (%s = %s) trained on %d rows",
        model.model_version,
        chosen,
        weights,
        len(training_rows),
    )
    return model
