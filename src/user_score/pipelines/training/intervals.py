"""Intervals that keep their promise on new populations: calibration and honest coverage.

The artifact's interval (:class:`~user_score.model.NoveltyIntervals`) is
calibrated on the chosen candidate's out-of-fold residuals from the *shift*
protocols (``training.interval.calibration_protocols``: leave-studio-out and
the rolling backtest), per novelty cell (``training.interval.groups``). With
``method: cqr`` two LightGBM quantile models of the residual set each row's
width from its novelty flags, critic score and prediction, and each cell adds
one conformal correction (:class:`~user_score.model.ResidualQuantiles`).

Its coverage is then measured under *every* protocol, cross-conformal style:
for each split, the offsets are calibrated without that split's test games
(their residuals under every protocol are left out) and applied to them, so
no game's interval is calibrated on its own error. Coverage is reported per
protocol and per novelty group; a group with at least
``training.interval.min_report_games`` games passes when its coverage is within
``coverage_tolerance`` of the level.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from user_score.model import NOVELTY_FLAGS, NoveltyIntervals, ResidualQuantiles, quantile_inputs

from .evaluation import TARGET
from .params import TrainingParams

logger = logging.getLogger(__name__)


def residuals_of(predictions: pd.DataFrame, chosen: str, meta_scores: pd.Series) -> pd.DataFrame:
    """``protocol, split, game_id``, novelty flags, ``meta_score``, ``prediction``, ``residual``.

    ``meta_scores``: the critic score of each game, indexed by ``game_id``.
    """
    frame = predictions[["protocol", "split", "game_id", *NOVELTY_FLAGS]].copy()
    frame["meta_score"] = frame["game_id"].map(meta_scores).to_numpy(dtype="float64")
    frame["prediction"] = predictions[chosen].to_numpy()
    frame["residual"] = predictions[TARGET].to_numpy() - frame["prediction"].to_numpy()
    return frame


def _inputs(residuals: pd.DataFrame) -> np.ndarray:
    flags = residuals[list(NOVELTY_FLAGS)]
    return quantile_inputs(flags, residuals["meta_score"], residuals["prediction"].to_numpy())


def _calibrate(residuals: pd.DataFrame, params: TrainingParams) -> NoveltyIntervals:
    settings = params.interval
    cqr = settings.method == "cqr"
    return NoveltyIntervals.calibrate(
        residuals["residual"].to_numpy(),
        residuals[list(NOVELTY_FLAGS)],
        settings.groups,
        settings.level,
        settings.min_group_residuals,
        quantiles=(
            ResidualQuantiles(
                (1.0 - settings.level) / 2.0,
                dict(settings.quantiles.lightgbm),
                tuple(settings.quantiles.features),
            )
            if cqr
            else None
        ),
        inputs=_inputs(residuals) if cqr else None,
        folds=settings.quantiles.folds,
        seed=settings.quantiles.seed,
    )


def calibrate_intervals(
    calibration_predictions: list[pd.DataFrame],
    chosen: str,
    meta_scores: pd.Series,
    params: TrainingParams,
) -> NoveltyIntervals:
    """The artifact's intervals from the chosen candidate's shift-protocol residuals."""
    residuals = pd.concat(
        [residuals_of(frame, chosen, meta_scores) for frame in calibration_predictions]
    )
    intervals = _calibrate(residuals, params)
    logger.info(
        "%.0f%% intervals from %d out-of-fold residuals (%s): %s",
        params.interval.level * 100,
        len(residuals),
        ", ".join(params.interval.calibration_protocols),
        ", ".join(
            f"{key} {cell['high'] - cell['low']:.2f}" for key, cell in intervals.cells.items()
        ),
    )
    return intervals


def _group_coverage(frame: pd.DataFrame, params: TrainingParams) -> dict[str, Any]:
    settings = params.interval
    n = len(frame)
    coverage = float(frame["inside"].mean()) if n else float("nan")
    result = {
        "coverage": coverage,
        "mean_width": float(frame["width"].mean()) if n else float("nan"),
        "n": n,
    }
    if n >= settings.min_report_games:
        result["pass"] = bool(abs(coverage - settings.level) <= settings.coverage_tolerance)
    return result


def interval_coverage(
    protocol_predictions: dict[str, pd.DataFrame],
    chosen: str,
    meta_scores: pd.Series,
    params: TrainingParams,
) -> dict[str, Any]:
    """Cross-conformal coverage of the interval procedure under every protocol."""
    calibration = pd.concat(
        [
            residuals_of(protocol_predictions[name], chosen, meta_scores)
            for name in params.interval.calibration_protocols
        ],
        ignore_index=True,
    )
    settings = params.interval
    protocols: dict[str, Any] = {}
    for name, predictions in protocol_predictions.items():
        tested = []
        for _, test in residuals_of(predictions, chosen, meta_scores).groupby("split", sort=False):
            others = calibration[~calibration["game_id"].isin(test["game_id"])]
            low, high = _calibrate(others, params).offsets(  # as the artifact calls it
                test[list(NOVELTY_FLAGS)], test["meta_score"], test["prediction"].to_numpy()
            )
            tested.append(
                test.assign(
                    inside=(test["residual"] >= low) & (test["residual"] <= high),
                    width=high - low,
                )
            )
        frame = pd.concat(tested, ignore_index=True) if tested else pd.DataFrame()
        summary = _group_coverage(frame, params) if len(frame) else {"n": 0}
        summary["by_split"] = {
            str(split): {"coverage": float(part["inside"].mean()), "n": len(part)}
            for split, part in (frame.groupby("split", sort=False) if len(frame) else [])
        }
        summary["by_novelty"] = {
            f"{flag}={value}": _group_coverage(part, params)
            for flag in NOVELTY_FLAGS
            for value, part in (frame.groupby(flag) if len(frame) else [])
        }
        protocols[name] = summary
    checks = [
        (f"{name} {group}", result["coverage"])
        for name, summary in protocols.items()
        for group, result in [("all", summary), *summary["by_novelty"].items()]
        if "pass" in result and not result["pass"]
    ]
    result = {
        "level": settings.level,
        "target": f"{settings.level:.0%} +/- {settings.coverage_tolerance * 100:.0f} points "
        f"under every protocol and every novelty group of >= {settings.min_report_games} games",
        "method": "cross-conformal: each split's test games calibrated without their own residuals",
        "protocols": protocols,
        "failing": [f"{where}: {coverage:.3f}" for where, coverage in checks],
    }
    result["pass"] = not checks
    if checks:
        logger.warning("interval coverage outside the target: %s", result["failing"])
    else:
        logger.info("interval coverage within %s", result["target"])
    return result
