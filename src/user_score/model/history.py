"""Time-aware track record: what the franchise and the developers did BEFORE a game.

Per franchise and per developer, over the training games released strictly
earlier: the smoothed mean of their critic-adjusted residual
(:func:`~user_score.model.critic_baseline`), their number, and years since
the latest one (:data:`HISTORY_COLUMNS`; a game's developers are summed).

* :func:`fit_history` keeps, per kind, the key-sorted release times and
  cumulative residuals of the training games (``FeaturePreprocessor.history``);
* :func:`lookup_history` answers for new games with binary searches in them,
  once per distinct (franchise, developers, release year, month);
* :func:`training_history` answers for the training games themselves, from a
  given set of history rows, leaving out earlier games with the same
  ``base_title`` (a game's own ports), as grouped cross-validation and new
  games see them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .distinct import as_tuples, name_codes, unique_rows

#: Track-record columns (``FeaturePreprocessor.history``): per franchise
#: and per developer, the critic-adjusted residual of the key's EARLIER releases
#: (smoothed mean), how many there were, and years since the latest one.
HISTORY_KINDS: tuple[str, ...] = ("franchise", "developer")
HISTORY_COLUMNS: list[str] = [
    f"{kind}_{stat}" for kind in HISTORY_KINDS for stat in ("hist_te", "prev_n", "since_prev")
]
#: Spacing of keys in the composite ``key_code * _KEY_STRIDE + release_time`` sort key.
_KEY_STRIDE = 10_000.0


def release_time(features: pd.DataFrame) -> pd.Series:
    """Fractional release time ``year + (month - 1) / 12`` (mid-year if the month is unknown)."""
    month = features["release_month"].astype("float64").fillna(6.5)
    return features["release_year"].astype("float64") + (month - 1.0) / 12.0


def _history_pairs(features: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One ``(row, key, time, base_title)`` row per franchise or per developer of a game."""
    if kind == "franchise":
        keys = features["franchise"].astype(str)
    else:
        keys = as_tuples(features["developers"]).explode().dropna().astype(str)
    positions = pd.Series(np.arange(len(features)), index=features.index)
    pairs = pd.DataFrame(
        {
            "row": positions.loc[keys.index].to_numpy(),
            "key": keys.to_numpy(),
            "time": release_time(features).loc[keys.index].to_numpy(),
            "base_title": features["base_title"].astype(str).loc[keys.index].to_numpy(),
        }
    )
    return pairs


def _history_frame(
    stats: dict[str, np.ndarray], times: np.ndarray, smoothing: float, kind: str
) -> pd.DataFrame:
    """Per-row history columns from per-(row, key) ``row, count, total, latest`` arrays.

    A game's statistics are summed over its keys (its developers); ``times``
    holds each row's own release time.
    """
    n_rows, rows = len(times), stats["row"]
    count = np.bincount(rows, weights=stats["count"], minlength=n_rows).astype("float64")
    total = np.bincount(rows, weights=stats["total"], minlength=n_rows)
    latest = np.full(n_rows, -np.inf)
    np.maximum.at(latest, rows, np.where(stats["count"] > 0, stats["latest"], -np.inf))
    known = count > 0
    with np.errstate(invalid="ignore"):
        te = np.where(known, total / (count + smoothing), np.nan)
        since = np.where(known, times - latest, np.nan)
    return pd.DataFrame(
        {f"{kind}_hist_te": te, f"{kind}_prev_n": count, f"{kind}_since_prev": since}
    )


def fit_history(features: pd.DataFrame, residual: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per kind: key vocabulary, key-sorted release times and cumulative residuals.

    Args:
        features: The training rows.
        residual: Their critic-adjusted residuals, by position.
    """
    history = {}
    for kind in HISTORY_KINDS:
        pairs = _history_pairs(features, kind)
        pairs["residual"] = residual[pairs["row"].to_numpy()]
        pairs = pairs[pairs["time"].notna()].sort_values(["key", "time"], kind="mergesort")
        keys, codes = np.unique(pairs["key"].to_numpy(), return_inverse=True)
        history[kind] = {
            "keys": keys.astype(object),
            "starts": np.searchsorted(codes, np.arange(len(keys))),
            "sort_key": codes * _KEY_STRIDE + pairs["time"].to_numpy(),
            "times": pairs["time"].to_numpy(),
            "cumulative": np.concatenate([[0.0], np.cumsum(pairs["residual"].to_numpy())]),
        }
    return history


def training_history(
    features: pd.DataFrame, history_rows: pd.DataFrame, residual: np.ndarray, smoothing: float
) -> pd.DataFrame:
    """History of ``features`` rows from ``history_rows`` without their own base title.

    Args:
        features: Rows to describe.
        history_rows: Training rows the track record is taken from.
        residual: Critic-adjusted residuals of ``history_rows``, by position.
        smoothing: Target-encoding smoothing of the residual means.
    """
    frames = []
    for kind in HISTORY_KINDS:
        query = _history_pairs(features, kind)
        source = _history_pairs(history_rows, kind)
        source["residual"] = residual[source["row"].to_numpy()]
        joined = query.merge(source, on="key", suffixes=("", "_h"))
        joined = joined[
            (joined["time_h"] < joined["time"]) & (joined["base_title_h"] != joined["base_title"])
        ]
        stats = {
            "row": joined["row"].to_numpy(),
            "count": np.ones(len(joined)),
            "total": joined["residual"].to_numpy(),
            "latest": joined["time_h"].to_numpy(),
        }
        frames.append(_history_frame(stats, release_time(features).to_numpy(), smoothing, kind))
    return pd.concat(frames, axis=1).set_index(features.index)


def lookup_history(
    history: dict[str, dict[str, np.ndarray]], features: pd.DataFrame, smoothing: float
) -> pd.DataFrame:
    """Track record from the training games (:func:`fit_history`) released before each row.

    Computed once per distinct (franchise, developers, release year, month)
    and taken by row: the track record depends on nothing else.
    """
    if len(features) == 0:
        return _lookup_rows(history, features, smoothing)
    codes, first = unique_rows(
        features["franchise"].to_numpy(dtype=object),
        name_codes(features["developers"])[0],
        features["release_year"].astype("float64").to_numpy(),
        features["release_month"].astype("float64").to_numpy(),
    )
    distinct = _lookup_rows(history, features.iloc[first], smoothing)
    return pd.DataFrame(distinct.to_numpy()[codes], index=features.index, columns=distinct.columns)


def _lookup_rows(
    history: dict[str, dict[str, np.ndarray]], features: pd.DataFrame, smoothing: float
) -> pd.DataFrame:
    """Track record from the training games released before each row (vectorised)."""
    frames = []
    for kind in HISTORY_KINDS:
        fitted = history[kind]
        query = _history_pairs(features, kind)
        keys = fitted["keys"]
        code = np.searchsorted(keys, query["key"].to_numpy()) if len(keys) else None
        if code is None:
            known = np.zeros(len(query), dtype=bool)
        else:
            code = np.minimum(code, len(keys) - 1)
            known = (keys[code] == query["key"].to_numpy()) & query["time"].notna().to_numpy()
        query, code = query[known], (code[known] if code is not None else code)
        start = fitted["starts"][code] if len(query) else np.zeros(0, dtype="int64")
        position = (
            np.searchsorted(
                fitted["sort_key"], code * _KEY_STRIDE + query["time"].to_numpy(), side="left"
            )
            if len(query)
            else np.zeros(0, dtype="int64")
        )
        count = position - start
        total = fitted["cumulative"][position] - fitted["cumulative"][start]
        latest = np.where(count > 0, fitted["times"][np.maximum(position - 1, 0)], np.nan)
        stats = {
            "row": query["row"].to_numpy(),
            "count": count,
            "total": total,
            "latest": latest,
        }
        frames.append(_history_frame(stats, release_time(features).to_numpy(), smoothing, kind))
    return pd.concat(frames, axis=1).set_index(features.index)
