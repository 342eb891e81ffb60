"""Reference nodes that run at *training* time for monitoring.

``create_reference_pipeline`` is added to the registered ``training`` pipeline
(``pipeline_registry``) so the training run itself saves what monitoring
compares against (a reference profile of features and predictions, and the
performance estimator), rather than monitoring re-reading the training data
later.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import pandas as pd
from kedro.pipeline import Node, Pipeline
from sklearn.model_selection import GroupKFold

from user_score.model import INPUT_FEATURES

from .drift import PREDICTION, numeric_profile, profile_column
from .estimator import PerformanceEstimator
from .params import MonitoringParams

logger = logging.getLogger(__name__)


def reference_rows(
    model_input_table: pd.DataFrame, rows: Literal["all", "labelled"]
) -> pd.DataFrame:
    """The population the reference describes: ``all`` games or the ``labelled`` ones.

    ``all`` (default) is what scoring is asked to score: released and
    unreleased games, with and without a critic score. ``labelled`` is the
    training set proper.
    """
    if rows == "all":
        return model_input_table
    if rows == "labelled":
        return model_input_table.loc[model_input_table["is_labelled"].astype(bool)]
    raise ValueError(f"monitoring.reference.rows must be 'all' or 'labelled', got {rows!r}")


def training_baseline(model: Any) -> dict[str, Any]:
    """MAE/RMSE/R2 of the model's cross-validation (``metadata['metrics']['cv']``)."""
    metrics = (getattr(model, "metadata", {}) or {}).get("metrics", {}) or {}
    cv = metrics.get("cv", {}) or {}
    baseline = {name: _float_or_none(cv.get(name)) for name in ("mae", "rmse", "r2")}
    if baseline["mae"] is None:
        logger.warning("model metadata has no metrics['cv']['mae']: no performance baseline")
    baseline["interval_level"] = float(getattr(model, "interval_level", 0.8))
    return baseline


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, dict):  # {"mean": .., "std": ..}
        value = value.get("mean")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def novelty_reference(model: Any) -> dict[str, Any] | None:
    """What monitoring needs to put each scored row in its novelty cell, and each cell's MAE.

    The training studios and franchises (``model.novelty``) and the interval
    cells of the shift-protocol calibration (``model.intervals``: per cell the
    offsets, residual count and MAE). Monitoring rebuilds each row's cell exactly
    as ``model.interval_cell`` does and expects, for a set of rows, the mean of
    their cells' MAE: the case-mix baseline. ``None`` for a model without them.
    """
    novelty = getattr(model, "novelty", None)
    intervals = getattr(model, "intervals", None)
    if novelty is None or intervals is None:
        logger.warning("model has no novelty profile or intervals: no case-mix baseline")
        return None
    return {
        "developers": sorted(novelty.developers),
        "franchises": sorted(novelty.franchises),
        "level": float(intervals.level),
        "groups": list(intervals.groups),
        "cells": {key: dict(cell) for key, cell in intervals.cells.items()},
    }


def build_reference_profile(
    model_input_table: pd.DataFrame,
    model: Any,
    params: MonitoringParams,
    run_started_at: str,
) -> dict[str, Any]:
    """Profile the reference population: per-feature buckets and the predictions.

    Args:
        model_input_table: Features of every game (``ModelInputTable``).
        model: The trained ``UserScoreModel`` (for predictions, version, baseline).
        params: ``params:monitoring``; uses ``reference.{rows,n_bins,
            top_n_genres,top_n_developers,exclude_features}``.
        run_started_at: ``params:run_started_at``, the profile's ``created_at``.

    Returns:
        The ``reference_profile`` JSON: model version, training baseline
        metrics, and a profile (buckets, reference shares) per monitored
        feature and for ``prediction``.
    """
    settings = params.reference
    rows = reference_rows(model_input_table, settings.rows)
    if rows.empty:
        raise ValueError("reference_profile: the reference population has no rows")
    excluded = set(settings.exclude_features)
    features = [column for column in INPUT_FEATURES if column not in excluded]
    n_bins = settings.n_bins
    top_n = {"genres": settings.top_n_genres, "developers": settings.top_n_developers}
    profiles = {
        column: profile_column(rows[column], n_bins, top_n=top_n.get(column)) for column in features
    }
    predicted = model.predict(rows)["predicted_user_score"]
    profile = {
        "created_at": str(run_started_at),
        "model_version": str(getattr(model, "model_version", "unversioned")),
        "population": settings.rows,
        "n_rows": len(rows),
        "baseline": training_baseline(model),
        "novelty": novelty_reference(model),
        "features": profiles,
        PREDICTION: numeric_profile(pd.Series(predicted, dtype="float64"), n_bins),
    }
    logger.info(
        "reference_profile: %d rows (%s), %d features, model %s",
        len(rows),
        settings.rows,
        len(profiles),
        profile["model_version"],
    )
    return profile


def estimator_training_table(
    oof_predictions: pd.DataFrame, model_input_table: pd.DataFrame
) -> pd.DataFrame:
    """One row per game: features, mean out-of-fold prediction, mean absolute error.

    Repeated CV gives each game one out-of-fold prediction per repeat; the
    estimator learns from their mean error.
    """
    oof = oof_predictions.assign(
        abs_error=(oof_predictions["user_score"] - oof_predictions["oof_prediction"]).abs()
    )
    per_game = oof.groupby("game_id", sort=True).agg(
        oof_prediction=("oof_prediction", "mean"), abs_error=("abs_error", "mean")
    )
    table = model_input_table.drop(columns=["user_score"], errors="ignore").merge(
        per_game, left_on="game_id", right_index=True, how="inner"
    )
    if table.empty:
        raise ValueError(
            "performance estimator: no game of oof_predictions is in model_input_table "
            "(join on game_id)"
        )
    return table.reset_index(drop=True)


def evaluate_estimator(
    table: pd.DataFrame, params: dict[str, Any], folds: int, seed: int
) -> dict[str, Any]:
    """Grouped K-fold check of the estimator on errors it was not trained on.

    Reports, per held-out fold, the estimated MAE against the realised
    (out-of-fold) MAE, the row-level error of the estimate against a
    constant-mean baseline, and estimated vs realised MAE by segment.
    """
    groups = table["base_title"].astype(str).to_numpy()
    splitter = GroupKFold(
        n_splits=min(folds, len(np.unique(groups))), shuffle=True, random_state=seed
    )
    estimate = np.full(len(table), np.nan)
    fold_rows = []
    for fold, (train, test) in enumerate(splitter.split(table, groups=groups)):
        part = table.iloc[train]
        estimator = PerformanceEstimator.fit(
            part, part["oof_prediction"], part["abs_error"], params
        )
        held = table.iloc[test]
        estimate[test] = estimator.predict_abs_error(held, held["oof_prediction"])
        realised = float(held["abs_error"].mean())
        estimated = float(estimate[test].mean())
        fold_rows.append(
            {
                "fold": fold,
                "rows": len(test),
                "realised_mae": realised,
                "estimated_mae": estimated,
                "error": estimated - realised,
            }
        )
    truth = table["abs_error"].to_numpy()
    constant = np.full(len(table), truth.mean())
    segments = {
        f"meta_score_missing={flag}": {
            "rows": int(mask.sum()),
            "realised_mae": float(truth[mask].mean()),
            "estimated_mae": float(estimate[mask].mean()),
        }
        for flag, mask in (
            (value, table["meta_score_missing"].astype(bool).to_numpy() == value)
            for value in (False, True)
        )
        if mask.any()
    }
    errors = np.array([row["error"] for row in fold_rows])
    return {
        "folds": fold_rows,
        "fold_mae_of_mae_estimate": float(np.abs(errors).mean()),
        "max_abs_fold_error": float(np.abs(errors).max()),
        "row_mae_estimator": float(np.abs(estimate - truth).mean()),
        "row_mae_constant_baseline": float(np.abs(constant - truth).mean()),
        "segments": segments,
    }


def train_performance_estimator(
    oof_predictions: pd.DataFrame,
    model_input_table: pd.DataFrame,
    params: MonitoringParams,
    run_started_at: str,
) -> tuple[PerformanceEstimator, dict[str, Any]]:
    """Fit the direct-loss estimator on out-of-fold absolute errors and evaluate it.

    Args:
        oof_predictions: ``game_id, user_score, oof_prediction, repeat, fold``.
        model_input_table: Features per game (joined on ``game_id``).
        params: ``params:monitoring``; uses ``estimator.{params,cv_folds,seed}``.
        run_started_at: ``params:run_started_at``, the estimator's ``trained_at``.

    Returns:
        ``(performance_estimator, performance_estimator_metrics)``.
    """
    settings = params.estimator
    table = estimator_training_table(oof_predictions, model_input_table)
    evaluation = evaluate_estimator(table, settings.params, settings.cv_folds, settings.seed)
    metrics = {"rows": len(table), "oof_mae": float(table["abs_error"].mean()), **evaluation}
    estimator = PerformanceEstimator.fit(
        table,
        table["oof_prediction"],
        table["abs_error"],
        settings.params,
        metadata={"trained_at": str(run_started_at), **metrics},
    )
    logger.info(
        "performance_estimator: %d games, OOF MAE %.3f; fold-level |estimated - realised| MAE "
        "%.3f (max %.3f); row-level error %.3f vs constant %.3f",
        len(table),
        metrics["oof_mae"],
        metrics["fold_mae_of_mae_estimate"],
        metrics["max_abs_fold_error"],
        metrics["row_mae_estimator"],
        metrics["row_mae_constant_baseline"],
    )
    return estimator, metrics


def create_reference_pipeline() -> Pipeline:
    """Nodes run at the end of training that save monitoring's reference."""
    return Pipeline(
        [
            Node(
                func=build_reference_profile,
                inputs=["model_input_table", "model", "params:monitoring", "params:run_started_at"],
                outputs="reference_profile",
                name="build_reference_profile",
            ),
            Node(
                func=train_performance_estimator,
                inputs=[
                    "oof_predictions",
                    "model_input_table",
                    "params:monitoring",
                    "params:run_started_at",
                ],
                outputs=["performance_estimator", "performance_estimator_metrics"],
                name="train_performance_estimator",
            ),
        ],
        tags=["monitoring_reference"],
    )
