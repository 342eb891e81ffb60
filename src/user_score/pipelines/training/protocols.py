"""Evaluation protocols: which labelled games train and which test, for each split.

Five protocols, one per population a deployed model meets (docs/model_card.md):

* (a) ``grouped_kfold``: grouped repeated K-fold (groups = base title, so ports
  of one game never sit on both sides): games like the training set.
* (b) ``random_holdout``: the original project's random 80/20 split, repeated with
  ``n_repeats`` seeds from its ``random_state`` on (split ``seed42`` is the original).
* (c) ``time_backtest``: train before one cutoff year, test from it on.
* (d) ``leave_studio_out``: grouped K-fold with the studio as the group, so every
  test game comes from a studio the model never saw.
* (e) ``rolling_backtest``: several cutoffs; train before each, test the
  ``horizon_years`` after it (the next releases, several times).

Every protocol yields :class:`Split` objects over row positions; the caller
fits fresh candidates on ``train`` and predicts ``test``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, train_test_split

from .params import TrainingParams


@dataclass(frozen=True)
class Split:
    """One train/test split of a protocol (row positions)."""

    protocol: str
    split: str
    train: np.ndarray
    test: np.ndarray


def grouped_repeated_kfold(
    groups: pd.Series, n_splits: int, n_repeats: int, seed: int
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """``(repeat, fold, train_idx, test_idx)``; a group never spans both sides.

    Repeat ``r`` shuffles the groups with seed ``seed + r``.
    """
    codes = pd.factorize(groups.astype(str))[0]
    for repeat in range(n_repeats):
        splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + repeat)
        for fold, (train, test) in enumerate(splitter.split(codes, groups=codes)):
            yield repeat, fold, train, test


def random_holdout(n_rows: int, test_size: float, random_state: int) -> tuple[np.ndarray, ...]:
    """The original project's random split (row positions, sorted)."""
    positions = np.arange(n_rows)
    train, test = train_test_split(positions, test_size=test_size, random_state=random_state)
    return np.sort(train), np.sort(test)


def holdout_split(seed: int) -> str:
    """Name of protocol (b)'s split drawn with ``seed`` (``seed42``: the original project's)."""
    return f"seed{seed}"


def time_backtest(years: pd.Series, cutoff_year: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Train on releases before ``cutoff_year``, test on the rest.

    Returns ``(train_idx, test_idx, rows_without_year)``; rows without a year
    cannot be placed in time and sit on neither side (they are counted).
    """
    values = years.astype("float64").to_numpy()
    train = np.flatnonzero(values < cutoff_year)
    test = np.flatnonzero(values >= cutoff_year)
    return train, test, int(np.isnan(values).sum())


def studio_groups(developers: pd.Series, group: str) -> pd.Series:
    """The studio group of each game: its lead developer, or its whole developer set."""

    def _key(names: object) -> str:
        items = [str(name) for name in (names if names is not None else [])]
        if not items:
            return "__no_developer__"
        return items[0] if group == "lead_developer" else "|".join(sorted(items))

    return developers.map(_key)


def protocol_splits(rows: pd.DataFrame, name: str, params: TrainingParams) -> Iterator[Split]:
    """Every split of protocol ``name`` over ``rows`` (positional)."""
    settings = params.protocols
    if name == "grouped_kfold":
        spec = settings.grouped_kfold
        for repeat, fold, train, test in grouped_repeated_kfold(
            rows[params.group_column], spec.n_splits, spec.n_repeats, params.seed
        ):
            yield Split(name, f"r{repeat}f{fold}", train, test)
    elif name == "random_holdout":
        spec_b = settings.random_holdout
        for repeat in range(spec_b.n_repeats):
            seed = spec_b.random_state + repeat
            train, test = random_holdout(len(rows), spec_b.test_size, seed)
            yield Split(name, holdout_split(seed), train, test)
    elif name == "time_backtest":
        cutoff = settings.time_backtest.cutoff_year
        train, test, _ = time_backtest(rows["release_year"], cutoff)
        yield Split(name, f"from{cutoff}", train, test)
    elif name == "leave_studio_out":
        spec_d = settings.leave_studio_out
        groups = studio_groups(rows["developers"], spec_d.group)
        for _, fold, train, test in grouped_repeated_kfold(groups, spec_d.n_splits, 1, params.seed):
            yield Split(name, f"f{fold}", train, test)
    elif name == "rolling_backtest":
        spec_e = settings.rolling_backtest
        years = rows["release_year"].astype("float64").to_numpy()
        for cutoff in spec_e.cutoffs:
            train = np.flatnonzero(years < cutoff)
            test = np.flatnonzero((years >= cutoff) & (years < cutoff + spec_e.horizon_years))
            yield Split(name, f"{cutoff}-{cutoff + spec_e.horizon_years - 1}", train, test)
    else:
        raise ValueError(f"unknown protocol {name!r}")
