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

from itertools import chain

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


def _history_pairs(features: pd.DataFrame, kind: str, titles: bool = False) -> pd.DataFrame:
    """One ``(row, key, time)`` row per franchise or per developer of a game.

    ``row`` is the game's position; a game's developers give one row each, in
    list order (no row for a missing name). ``titles=True`` adds the game's
    ``base_title`` (:func:`training_history` leaves out a game's own ports by it).
    """
    positions = np.arange(len(features))
    if kind == "franchise":
        rows, keys = positions, features["franchise"].astype(str).to_numpy()
    else:
        names = as_tuples(features["developers"]).to_numpy()
        rows = np.repeat(positions, np.fromiter(map(len, names), dtype=np.int64, count=len(names)))
        keys = pd.Series(list(chain.from_iterable(names)), dtype=object)
        present = keys.notna().to_numpy()
        rows, keys = rows[present], keys[present].astype(str).to_numpy()
    times = release_time(features).to_numpy()[rows]
    pairs = pd.DataFrame({"row": rows, "key": keys, "time": times})
    if titles:
        pairs["base_title"] = features["base_title"].astype(str).to_numpy()[rows]
    return pairs


def _earlier_other_titles(
    query: pd.DataFrame, source: pd.DataFrame, residual: np.ndarray
) -> dict[str, np.ndarray]:
    """Per query pair, the source pairs of its key released earlier under another base title.

    Returns ``row, count, total, latest`` arrays (:func:`_history_frame`), one
    entry per matching (query pair, source pair), in the order of
    ``query.merge(source, on="key")`` (query pairs in order, each key's source
    pairs in source order), so residuals are summed in that order. Keys and
    titles are compared as integer codes.

    Args:
        query: Pairs (:func:`_history_pairs`) of the rows to describe.
        source: Pairs of the history rows.
        residual: The residual of each source pair.
    """
    n_query = len(query)
    keys = pd.factorize(pd.concat([query["key"], source["key"]], ignore_index=True))[0]
    titles = pd.factorize(
        pd.concat([query["base_title"], source["base_title"]], ignore_index=True)
    )[0]
    order = np.argsort(keys[n_query:], kind="stable")  # source pairs by key, in order
    grouped = keys[n_query:][order]
    start = np.searchsorted(grouped, keys[:n_query], side="left")
    matches = np.searchsorted(grouped, keys[:n_query], side="right") - start
    q_pair = np.repeat(np.arange(n_query), matches)
    s_pair = order[
        np.repeat(start - (np.cumsum(matches) - matches), matches) + np.arange(len(q_pair))
    ]
    q_time, s_time = query["time"].to_numpy(), source["time"].to_numpy()
    keep = (s_time[s_pair] < q_time[q_pair]) & (titles[n_query:][s_pair] != titles[q_pair])
    q_pair, s_pair = q_pair[keep], s_pair[keep]
    return {
        "row": query["row"].to_numpy()[q_pair],
        "count": np.ones(len(q_pair)),
        "total": residual[s_pair],
        "latest": s_time[s_pair],
    }


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
        query = _history_pairs(features, kind, titles=True)
        source = _history_pairs(history_rows, kind, titles=True)
        stats = _earlier_other_titles(query, source, residual[source["row"].to_numpy()])
        frames.append(_history_frame(stats, release_time(features).to_numpy(), smoothing, kind))
    return pd.concat(frames, axis=1).set_index(features.index)


def lookup_history(
    history: dict[str, dict[str, np.ndarray]], features: pd.DataFrame, smoothing: float
) -> pd.DataFrame:
    """Track record from the training games (:func:`fit_history`) released before each row.

    Each kind is computed once per distinct (its key, release year, month) and
    taken by row: a franchise's track record depends on nothing else, nor does a
    developer list's (a day of new titles shares its developer lists and dates).
    """
    # only what a lookup reads is taken by distinct row (a day of new titles: nearly every row)
    features = features[["franchise", "developers", "release_year", "release_month"]]
    year = features["release_year"].astype("float64").to_numpy()
    month = features["release_month"].astype("float64").to_numpy()
    frames = []
    for kind in HISTORY_KINDS:
        if kind == "franchise":
            key = features["franchise"].to_numpy(dtype=object)
        else:
            key = name_codes(features["developers"])[0]
        codes, first = unique_rows(key, year, month)
        distinct = _lookup_kind(history[kind], features.iloc[first], smoothing, kind)
        frames.append(pd.DataFrame(distinct.to_numpy()[codes], columns=distinct.columns))
    return pd.concat(frames, axis=1).set_index(features.index)


def _lookup_kind(
    fitted: dict[str, np.ndarray], features: pd.DataFrame, smoothing: float, kind: str
) -> pd.DataFrame:
    """One kind's track record from the training games released before each row (vectorised)."""
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
    return _history_frame(stats, release_time(features).to_numpy(), smoothing, kind)
