"""Nodes of the ``training`` pipeline (pure functions; all I/O through the catalog)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from user_score.metrics import regression_metrics
from user_score.model import INPUT_FEATURES, UserScoreModel, data_fingerprint, interval_group

from .candidates import ALL_CANDIDATES, ARTIFACT_CANDIDATES, LightGBMCandidate
from .candidates import fit_user_score_model as _fit_user_score_model
from .evaluation import (
    fit_predict,
    grouped_repeated_kfold,
    random_holdout,
    summarise_folds,
    time_backtest,
)

logger = logging.getLogger(__name__)

TARGET = "user_score"


def _labelled(model_input_table: pd.DataFrame) -> pd.DataFrame:
    """Labelled rows in a stable order (by game_id), positional index."""
    rows = model_input_table.loc[model_input_table["is_labelled"].astype(bool)]
    if rows[TARGET].isna().any():
        raise ValueError("model_input_table: is_labelled rows must have a user_score")
    return rows.sort_values("game_id", kind="mergesort").reset_index(drop=True)


def _candidates(params: dict[str, Any]) -> list[str]:
    names = list(params.get("candidates") or ALL_CANDIDATES)
    missing = [name for name in ARTIFACT_CANDIDATES if name not in names]
    if missing:
        raise ValueError(f"training.candidates must include the artifact candidates {missing}")
    return names


def select_training_rows(model_input_table: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The labelled games training learns from (unlabelled ones are only scored later).

    Raises:
        ValueError: Too few labelled rows for the cross-validation protocol.
    """
    rows = _labelled(model_input_table)
    needed = int(params["cv"]["n_splits"]) * 2
    if len(rows) < needed:
        raise ValueError(
            f"model_input_table has {len(rows)} labelled rows; training needs at least {needed}"
        )
    logger.info(
        "training rows: %d labelled of %d games (%d base titles)",
        len(rows),
        len(model_input_table),
        rows[params["group_column"]].nunique(),
    )
    return rows


def evaluate_grouped_cv(
    training_rows: pd.DataFrame, params: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Protocol (a): grouped repeated K-fold (groups = base title), every candidate.

    Returns:
        ``(cv_results, cv_predictions)``: mean/std of MAE, RMSE, R2 per
        candidate, and the out-of-fold predictions (one column per candidate)
        with ``game_id, user_score, repeat, fold``.
    """
    names = _candidates(params)
    settings = params["cv"]
    y, groups = training_rows[TARGET], training_rows[params["group_column"]]
    started = time.perf_counter()
    fold_metrics, frames = [], []
    for repeat, fold, train, test in grouped_repeated_kfold(
        groups, int(settings["n_splits"]), int(settings["n_repeats"]), int(params["seed"])
    ):
        predictions = fit_predict(names, params, training_rows, y, groups, train, test)
        frame = training_rows.iloc[test][["game_id", TARGET]].copy()
        frame["repeat"], frame["fold"] = repeat, fold
        for name in names:
            frame[name] = predictions[name]
            fold_metrics.append(
                {"candidate": name, "repeat": repeat, "fold": fold}
                | regression_metrics(y.iloc[test], predictions[name])
            )
        frames.append(frame)
    results = {
        "protocol": "grouped_repeated_kfold",
        "n_splits": int(settings["n_splits"]),
        "n_repeats": int(settings["n_repeats"]),
        "seed": int(params["seed"]),
        "group_column": params["group_column"],
        "rows": len(training_rows),
        "groups": int(groups.nunique()),
        "candidates": summarise_folds(fold_metrics, names),
        "fold_metrics": fold_metrics,
        "seconds": round(time.perf_counter() - started, 2),
    }
    for name in names:
        summary = results["candidates"][name]
        logger.info(
            "protocol (a) %-22s R2 %.3f +/- %.3f  MAE %.3f  RMSE %.3f",
            name,
            summary["r2"]["mean"],
            summary["r2"]["std"],
            summary["mae"]["mean"],
            summary["rmse"]["mean"],
        )
    return results, pd.concat(frames, ignore_index=True)


def select_model(
    cv_results: dict[str, Any], cv_predictions: pd.DataFrame, params: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Choose the artifact model by protocol (a) mean R2 (ties: lower MAE).

    Only the LightGBM family can become the ``UserScoreModel`` artifact; the
    best candidate overall is reported too, so a baseline that wins is visible.

    Returns:
        ``(selection, oof_predictions)``; ``oof_predictions`` has
        ``game_id, user_score, oof_prediction, repeat, fold`` of the chosen model.
    """
    summary = cv_results["candidates"]

    def _key(name: str) -> tuple[float, float]:
        return (-summary[name]["r2"]["mean"], summary[name]["mae"]["mean"])

    chosen = min(ARTIFACT_CANDIDATES, key=_key)
    best_overall = min(summary, key=_key)
    selection = {
        "chosen_model": chosen,
        "selection_rule": "highest protocol (a) mean R2 among artifact candidates "
        f"{list(ARTIFACT_CANDIDATES)}; ties by lower MAE",
        "best_candidate_overall": best_overall,
        "chosen_is_best_overall": chosen == best_overall,
        "cv": {metric: summary[chosen][metric]["mean"] for metric in ("mae", "rmse", "r2")},
        "cv_std": {metric: summary[chosen][metric]["std"] for metric in ("mae", "rmse", "r2")},
    }
    if not selection["chosen_is_best_overall"]:
        logger.warning("candidate %s beats the artifact model %s", best_overall, chosen)
    oof = cv_predictions[["game_id", TARGET, chosen, "repeat", "fold"]].rename(
        columns={chosen: "oof_prediction"}
    )
    return selection, oof[["game_id", TARGET, "oof_prediction", "repeat", "fold"]]


def _interval_coverage(
    y: np.ndarray, lower: np.ndarray, upper: np.ndarray, groups: np.ndarray, level: float
) -> dict[str, Any]:
    inside = (y >= lower) & (y <= upper)
    result: dict[str, Any] = {
        "level": level,
        "coverage": float(inside.mean()) if len(y) else float("nan"),
        "mean_width": float(np.mean(upper - lower)) if len(y) else float("nan"),
        "n": len(y),
        "by_group": {},
    }
    for name in np.unique(groups):
        chosen = groups == name
        result["by_group"][str(name)] = {
            "coverage": float(inside[chosen].mean()),
            "mean_width": float(np.mean(upper[chosen] - lower[chosen])),
            "n": int(chosen.sum()),
        }
    return result


def _oof_residuals_within(
    rows: pd.DataFrame, params: dict[str, Any], chosen: str
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold residuals of ``chosen`` by grouped K-fold inside ``rows`` only."""
    y, groups = rows[TARGET], rows[params["group_column"]]
    folds = int((params.get("interval") or {}).get("calibration_folds", 5))
    residuals, interval_groups = [], []
    for _, _, train, test in grouped_repeated_kfold(groups, folds, 1, int(params["seed"])):
        candidate = LightGBMCandidate(params).fit(
            rows.iloc[train], y.iloc[train], groups.iloc[train]
        )
        predicted = candidate.predict(rows.iloc[test])[chosen]
        residuals.append(y.iloc[test].to_numpy() - predicted)
        interval_groups.append(interval_group(rows.iloc[test]).to_numpy())
    return np.concatenate(residuals), np.concatenate(interval_groups)


def evaluate_random_holdout(
    training_rows: pd.DataFrame, selection: dict[str, Any], params: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Protocol (b): the original random 80/20 split, plus the chosen model's interval coverage.

    The interval is calibrated exactly as the final model's: split-conformal
    on out-of-fold residuals, here from grouped K-fold inside the 80 % only,
    then its coverage is measured on the untouched 20 %.
    """
    names = _candidates(params)
    settings = params["holdout"]
    chosen = selection["chosen_model"]
    level = float(params["interval"]["level"])
    y, groups = training_rows[TARGET], training_rows[params["group_column"]]
    train, test = random_holdout(
        len(training_rows), float(settings["test_size"]), int(settings["random_state"])
    )
    predictions = fit_predict(names, params, training_rows, y, groups, train, test)
    train_rows = training_rows.iloc[train].reset_index(drop=True)
    residuals, residual_groups = _oof_residuals_within(train_rows, params, chosen)
    final_like = _fit_user_score_model(
        train_rows,
        train_rows[TARGET],
        train_rows[params["group_column"]],
        params,
        blend_weight=_blend_weight(chosen, params),
        oof_residuals=residuals,
        oof_groups=residual_groups,
    )
    test_rows = training_rows.iloc[test]
    interval = final_like.predict(test_rows)
    coverage = _interval_coverage(
        y.iloc[test].to_numpy(),
        interval["prediction_lower"].to_numpy(),
        interval["prediction_upper"].to_numpy(),
        interval_group(test_rows).to_numpy(),
        level,
    )
    tolerance = float(params["interval"]["coverage_tolerance"])
    coverage["target"] = f"{level:.0%} +/- {tolerance * 100:.0f} points"
    coverage["pass"] = bool(abs(coverage["coverage"] - level) <= tolerance)
    frame = test_rows[["game_id", TARGET]].copy()
    for name in names:
        frame[name] = predictions[name]
    frame["prediction_lower"] = interval["prediction_lower"].to_numpy()
    frame["prediction_upper"] = interval["prediction_upper"].to_numpy()
    results = {
        "protocol": "random_holdout",
        "test_size": float(settings["test_size"]),
        "random_state": int(settings["random_state"]),
        "train_rows": len(train),
        "test_rows": len(test),
        "candidates": {name: regression_metrics(y.iloc[test], predictions[name]) for name in names},
        "interval": coverage,
    }
    logger.info(
        "protocol (b) %s R2 %.3f MAE %.3f; %.0f%% interval coverage %.3f (width %.2f)",
        chosen,
        results["candidates"][chosen]["r2"],
        results["candidates"][chosen]["mae"],
        level * 100,
        coverage["coverage"],
        coverage["mean_width"],
    )
    return results, frame


def evaluate_time_backtest(
    training_rows: pd.DataFrame, params: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Protocol (c): train on releases before the cutoff year, test on later ones."""
    names = _candidates(params)
    cutoff = int(params["backtest"]["cutoff_year"])
    y, groups = training_rows[TARGET], training_rows[params["group_column"]]
    train, test, undated = time_backtest(training_rows["release_year"], cutoff)
    results: dict[str, Any] = {
        "protocol": "time_backtest",
        "cutoff_year": cutoff,
        "train_rows": len(train),
        "test_rows": len(test),
        "rows_without_year": undated,
        "candidates": {},
    }
    frame = training_rows.iloc[test][["game_id", TARGET, "release_year"]].copy()
    if len(test) < 2 or len(train) < 2 * int(params["cv"]["n_splits"]):
        logger.warning("protocol (c): too few rows around cutoff %d; skipped", cutoff)
        results["skipped"] = "too few rows on one side of the cutoff"
        return results, frame
    predictions = fit_predict(names, params, training_rows, y, groups, train, test)
    for name in names:
        frame[name] = predictions[name]
        results["candidates"][name] = regression_metrics(y.iloc[test], predictions[name])
    logger.info(
        "protocol (c) cutoff %d: %d train / %d test rows (%d undated)",
        cutoff,
        len(train),
        len(test),
        undated,
    )
    return results, frame


def _blend_weight(chosen: str, params: dict[str, Any]) -> float:
    return float(params.get("blend_weight", 0.5)) if chosen == "lightgbm_linear_blend" else 0.0


def train_model(
    training_rows: pd.DataFrame,
    oof_predictions: pd.DataFrame,
    selection: dict[str, Any],
    cv_results: dict[str, Any],
    params: dict[str, Any],
) -> UserScoreModel:
    """Fit the chosen model on every labelled row; calibrate its interval on protocol (a) OOF.

    The artifact's metadata carries the model version (UTC time + data
    fingerprint), the fingerprint, feature list, vocabularies, metrics
    (``metrics['cv']`` = protocol (a) MAE/RMSE/R2 of the chosen model) and
    library versions.
    """
    chosen = selection["chosen_model"]
    y = training_rows[TARGET]
    merged = oof_predictions.merge(
        training_rows[["game_id", *INPUT_FEATURES]], on="game_id", how="left", validate="m:1"
    )
    residuals = (merged[TARGET] - merged["oof_prediction"]).to_numpy()
    fingerprint = data_fingerprint(training_rows, y)
    trained_at = datetime.now(UTC)
    metadata = {
        "model_version": f"{trained_at:%Y%m%dT%H%M%SZ}-{fingerprint[:8]}",
        "trained_at": trained_at.isoformat(timespec="seconds"),
        "model_type": chosen,
        "metrics": {
            "cv": dict(selection["cv"]),
            "cv_std": dict(selection["cv_std"]),
            "cv_protocol": {
                key: cv_results[key]
                for key in ("protocol", "n_splits", "n_repeats", "seed", "group_column")
            },
        },
    }
    model = _fit_user_score_model(
        training_rows,
        y,
        training_rows[params["group_column"]],
        params,
        blend_weight=_blend_weight(chosen, params),
        oof_residuals=residuals,
        oof_groups=interval_group(merged).to_numpy(),
        metadata=metadata,
    )
    logger.info(
        "model %s (%s) trained on %d rows; interval offsets %s",
        model.model_version,
        chosen,
        len(training_rows),
        model.metadata["interval"]["group_offsets"] or model.metadata["interval"]["offsets"],
    )
    return model
