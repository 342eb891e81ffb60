"""Run one evaluation protocol: fresh candidates per split, predictions and metrics.

:func:`run_protocol` fits every candidate on each split's training part and
predicts its test part (:mod:`.protocols`), so no test game influences
anything it is scored with. Each test game also gets its novelty flags
*relative to that training part* (:class:`~user_score.model.NoveltyProfile`):
under leave-studio-out every test studio is unseen, under the rolling backtest
most franchises are known. Metrics are reported pooled over the protocol's
test predictions, per split (mean and spread) and per novelty group.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from user_score.console import progress
from user_score.metrics import regression_metrics
from user_score.model import NOVELTY_FLAGS, NoveltyProfile

from .candidates import build_candidates
from .params import PROTOCOL_LABELS, TrainingParams
from .protocols import protocol_splits

logger = logging.getLogger(__name__)

TARGET = "user_score"
#: Columns of every protocol's predictions table before the one column per candidate.
PREDICTION_KEYS: list[str] = ["protocol", "split", "game_id", TARGET, *NOVELTY_FLAGS]


def fit_predict(
    names: list[str],
    params: TrainingParams,
    rows: pd.DataFrame,
    train: np.ndarray,
    test: np.ndarray,
) -> dict[str, np.ndarray]:
    """Fit every candidate on ``train`` rows and predict ``test`` rows."""
    y, groups = rows[TARGET], rows[params.group_column]
    predictions: dict[str, np.ndarray] = {}
    for candidate in build_candidates(names, params):
        candidate.fit(rows.iloc[train], y.iloc[train], groups.iloc[train])
        predictions.update(candidate.predict(rows.iloc[test]))
    return {name: predictions[name] for name in names}


def run_protocol(
    rows: pd.DataFrame, protocol: str, params: TrainingParams
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Every candidate under one protocol.

    Returns:
        ``(results, predictions)``: the metrics document of the protocol (see
        :func:`summarise_protocol`) and one row per test prediction
        (:data:`PREDICTION_KEYS` + one column per candidate).
    """
    names = list(params.candidates)
    frames = []
    splits = list(protocol_splits(rows, protocol, params))
    label = f"training ({PROTOCOL_LABELS[protocol]}) {protocol}"
    for split in progress.track(splits, label):
        if len(split.test) == 0 or len(split.train) < 2 * params.protocols.grouped_kfold.n_splits:
            logger.warning("protocol %s split %s: too few rows; skipped", protocol, split.split)
            continue
        train_rows, test_rows = rows.iloc[split.train], rows.iloc[split.test]
        frame = test_rows[["game_id", TARGET]].reset_index(drop=True)
        frame.insert(0, "split", split.split)
        frame.insert(0, "protocol", protocol)
        flags = NoveltyProfile.fit(train_rows).flags(test_rows).reset_index(drop=True)
        frame[list(NOVELTY_FLAGS)] = flags[list(NOVELTY_FLAGS)]
        for name, values in fit_predict(names, params, rows, split.train, split.test).items():
            frame[name] = values
        frames.append(frame)
    columns = [*PREDICTION_KEYS, *names]
    predictions = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return summarise_protocol(predictions, protocol, names, params), predictions


def _split_metrics(predictions: pd.DataFrame, name: str) -> dict[str, Any]:
    """Mean and spread of MAE and R2 over the splits, and each split's own figures."""
    per_split = {
        str(split): regression_metrics(part[TARGET], part[name])
        for split, part in predictions.groupby("split", sort=False)
    }
    summary: dict[str, Any] = {"splits": len(per_split)}
    for metric in ("mae", "r2"):
        values = np.array([split[metric] for split in per_split.values()], dtype="float64")
        values = values[np.isfinite(values)]
        summary[metric] = {
            "mean": float(values.mean()) if len(values) else float("nan"),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        }
    summary["per_split"] = {
        split: {key: metrics[key] for key in ("mae", "r2", "n")}
        for split, metrics in per_split.items()
    }
    return summary


def summarise_protocol(
    predictions: pd.DataFrame, protocol: str, names: list[str], params: TrainingParams
) -> dict[str, Any]:
    """Pooled, per-split and per-novelty-group metrics of every candidate under ``protocol``."""
    results: dict[str, Any] = {
        "protocol": protocol,
        "label": PROTOCOL_LABELS[protocol],
        "settings": getattr(params.protocols, protocol).model_dump(),
        "rows": len(predictions),
        "games": int(predictions["game_id"].nunique()) if len(predictions) else 0,
        "splits": sorted(predictions["split"].unique().tolist()) if len(predictions) else [],
        "novelty_share": {
            flag: predictions[flag].value_counts(normalize=True).round(4).to_dict()
            for flag in NOVELTY_FLAGS
        },
        "candidates": {},
    }
    for name in names:
        summary = regression_metrics(predictions[TARGET], predictions[name])
        summary["by_split"] = _split_metrics(predictions, name) if len(predictions) else {}
        summary["by_novelty"] = {
            f"{flag}={value}": regression_metrics(part[TARGET], part[name])
            for flag in NOVELTY_FLAGS
            for value, part in predictions.groupby(flag)
        }
        results["candidates"][name] = summary
    for name in names:
        summary = results["candidates"][name]
        logger.info(
            "protocol (%s) %-18s %-28s MAE %.3f  R2 %.3f  (n=%d)",
            PROTOCOL_LABELS[protocol],
            protocol,
            name,
            summary["mae"],
            summary["r2"],
            summary["n"],
        )
    return results
