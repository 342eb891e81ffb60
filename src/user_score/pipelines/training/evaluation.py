"""Evaluation protocols: grouped repeated K-fold, the original 80/20 split, a time backtest.

Each protocol yields ``(train_index, test_index)`` pairs over the labelled
rows; :func:`run_protocol` fits fresh candidates on each training part and
predicts the test part, so no test row influences anything it is scored with.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, train_test_split

from .candidates import build_candidates

logger = logging.getLogger(__name__)


def grouped_repeated_kfold(
    groups: pd.Series, n_splits: int, n_repeats: int, seed: int
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """Protocol (a): ``(repeat, fold, train_idx, test_idx)``; a group never spans both sides.

    Repeat ``r`` shuffles the groups with seed ``seed + r``.
    """
    codes = pd.factorize(groups.astype(str))[0]
    for repeat in range(n_repeats):
        splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + repeat)
        for fold, (train, test) in enumerate(splitter.split(codes, groups=codes)):
            yield repeat, fold, train, test


def random_holdout(n_rows: int, test_size: float, random_state: int) -> tuple[np.ndarray, ...]:
    """Protocol (b): the original project's random split (row positions)."""
    positions = np.arange(n_rows)
    train, test = train_test_split(positions, test_size=test_size, random_state=random_state)
    return np.sort(train), np.sort(test)


def time_backtest(years: pd.Series, cutoff_year: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Protocol (c): train on releases before ``cutoff_year``, test on the rest.

    Returns ``(train_idx, test_idx, rows_without_year)``; rows without a year
    cannot be placed in time and sit on neither side (they are counted).
    """
    values = years.astype("float64").to_numpy()
    train = np.flatnonzero(values < cutoff_year)
    test = np.flatnonzero(values >= cutoff_year)
    return train, test, int(np.isnan(values).sum())


def fit_predict(
    names: list[str],
    params: dict[str, Any],
    features: pd.DataFrame,
    y: pd.Series,
    groups: pd.Series,
    train: np.ndarray,
    test: np.ndarray,
) -> dict[str, np.ndarray]:
    """Fit every candidate on ``train`` rows and predict ``test`` rows."""
    predictions: dict[str, np.ndarray] = {}
    for candidate in build_candidates(names, params):
        candidate.fit(features.iloc[train], y.iloc[train], groups.iloc[train])
        predictions.update(candidate.predict(features.iloc[test]))
    return {name: predictions[name] for name in names}


def summarise_folds(fold_metrics: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    """Mean and std over folds of MAE, RMSE and R2 per candidate."""
    frame = pd.DataFrame(fold_metrics)
    summary: dict[str, Any] = {}
    for name in names:
        rows = frame[frame["candidate"] == name]
        summary[name] = {
            metric: {
                "mean": float(rows[metric].mean()),
                "std": float(rows[metric].std(ddof=1)) if len(rows) > 1 else 0.0,
            }
            for metric in ("mae", "rmse", "r2")
        }
        summary[name]["folds"] = len(rows)
    return summary
