"""Reference distributions and the Population Stability Index (PSI).

Pure functions shared by the training-time reference nodes and the monitoring
nodes, so both sides bin a value in exactly the same way.

Three kinds of column are profiled:

* ``numeric``: bins between the reference deciles (``n_bins`` quantiles,
  duplicate edges merged), the outer bins open-ended (``(-inf, q1]`` and
  ``(q_k, +inf)``) so values outside the training range still land in a bin,
  and a separate ``__missing__`` bin.
* ``categorical``: one bucket per reference category, ``__unseen__`` for a
  category never seen in training and ``__missing__`` for nulls.
* ``multilabel`` (genres, developers): the distribution of the *tags* (each
  game contributes one count per tag, a game without tags counts once as
  ``__none__``). With ``top_n`` only the most frequent reference tags keep
  their own bucket; other known tags share ``__other__``.

The reference share of ``__unseen__`` is not zero: it is the Good-Turing
estimate of the probability that the next value is new (the share of
reference values seen exactly once). A production batch with the usual
trickle of new developers is therefore not alarming; one where new values
suddenly become common is.

PSI is ``sum((cur - ref) * ln(cur / ref))`` over the buckets, with shares of
zero replaced by ``epsilon``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from user_score.features import parse_list_string

MISSING = "__missing__"
UNSEEN = "__unseen__"
OTHER = "__other__"
NONE = "__none__"
PREDICTION = "prediction"


# ---------------------------------------------------------------------------
# PSI
# ---------------------------------------------------------------------------


def psi(reference: Iterable[float], current: Iterable[float], epsilon: float = 1e-4) -> float:
    """Population Stability Index between two share vectors over the same buckets.

    Args:
        reference: Reference shares (summing to 1).
        current: Current shares over the same buckets (summing to 1).
        epsilon: Floor for empty buckets (a share of 0 makes ``ln`` undefined).

    Returns:
        ``sum((cur - ref) * ln(cur / ref))``; 0 for identical distributions.
    """
    ref = np.maximum(np.asarray(list(reference), dtype="float64"), epsilon)
    cur = np.maximum(np.asarray(list(current), dtype="float64"), epsilon)
    if ref.shape != cur.shape:
        raise ValueError(f"PSI needs shares over the same buckets: {ref.shape} vs {cur.shape}")
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi_noise_floor(n_buckets: int, n_reference: int, n_current: int) -> float:
    """Expected PSI between two samples of one distribution (no drift at all).

    PSI is asymptotically ``chi2(k - 1) * (1/n_ref + 1/n_cur)``, so even
    without drift it sits near ``(k - 1) * (1/n_ref + 1/n_cur)``. Reported so a
    reader can tell a small-sample PSI from real drift.
    """
    if n_reference <= 0 or n_current <= 0:
        return float("nan")
    return float(max(n_buckets - 1, 0) * (1.0 / n_reference + 1.0 / n_current))


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def as_tag_lists(series: pd.Series) -> pd.Series:
    """Lists (parquet arrays, list strings, None) as tuples of tags; None -> ``()``."""

    def _tags(value: Any) -> tuple[str, ...]:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ()
        if isinstance(value, str):
            parsed = parse_list_string(value)
            return tuple(parsed) if parsed is not None else (value,)
        return tuple(str(item) for item in value)

    return series.map(_tags)


def _is_boolean(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series) or (
        series.dtype == object and series.dropna().map(type).isin([bool, np.bool_]).all()
    )


def _good_turing_unseen(counts: Counter) -> float:
    """Share of observations whose value occurs once: P(next value is new)."""
    total = sum(counts.values())
    if total == 0:
        return 0.0
    singletons = sum(1 for count in counts.values() if count == 1)
    return singletons / total


# ---------------------------------------------------------------------------
# Profiles (what reference_profile stores per column)
# ---------------------------------------------------------------------------


def numeric_profile(values: pd.Series, n_bins: int) -> dict[str, Any]:
    """Quantile bins of ``values`` with open outer bins and a missing bin."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    present = numbers.dropna()
    quantiles = np.linspace(0, 1, n_bins + 1)[1:-1]
    edges = sorted(set(np.quantile(present, quantiles).round(10).tolist())) if len(present) else []
    profile = {"kind": "numeric", "edges": edges}
    profile["buckets"] = numeric_bucket_labels(edges)
    profile["shares"] = shares_of(profile, values)
    profile["n"] = len(values)
    return profile


def numeric_bucket_labels(edges: list[float]) -> list[str]:
    """Readable bucket names: ``(-inf, 70]``, ``(70, 80]``, ..., ``(90, inf)``, missing."""
    bounds = [-np.inf, *edges, np.inf]
    labels = [
        f"({_edge_text(low)}, {_edge_text(high)}{')' if np.isinf(high) else ']'}"
        for low, high in itertools.pairwise(bounds)
    ]
    return [*labels, MISSING]


def _edge_text(value: float) -> str:
    if np.isinf(value):
        return "-inf" if value < 0 else "inf"
    return f"{value:g}"


def categorical_profile(values: pd.Series, closed: bool = False) -> dict[str, Any]:
    """Reference categories (most frequent first) plus unseen and missing buckets.

    ``closed``: the values cannot take new categories (booleans), so the
    unseen bucket gets no Good-Turing share.
    """
    text = values.astype(object).where(values.notna(), None)
    counts = Counter(str(v) for v in text if v is not None)
    categories = [name for name, _ in counts.most_common()]
    profile = {
        "kind": "categorical",
        "categories": categories,
        "buckets": [*categories, UNSEEN, MISSING],
        "unseen_share": 0.0 if closed else _good_turing_unseen(counts),
    }
    profile["shares"] = _with_unseen_mass(shares_of(profile, values), profile)
    profile["n"] = len(values)
    return profile


def multilabel_profile(values: pd.Series, top_n: int | None = None) -> dict[str, Any]:
    """Tag distribution of a list column, optionally top-N tags + ``__other__``."""
    tags = as_tag_lists(values)
    counts = Counter(tag for row in tags for tag in row)
    ranked = [name for name, _ in counts.most_common()]
    kept = ranked[:top_n] if top_n else ranked
    profile = {
        "kind": "multilabel",
        "categories": kept,
        "known": ranked,
        "top_n": top_n,
        "buckets": [*kept, *([OTHER] if top_n else []), UNSEEN, NONE],
        "unseen_share": _good_turing_unseen(counts),
    }
    profile["shares"] = _with_unseen_mass(shares_of(profile, values), profile)
    profile["n"] = len(values)
    return profile


def _with_unseen_mass(shares: list[float], profile: dict[str, Any]) -> list[float]:
    """Give ``__unseen__`` its Good-Turing share, scaling the other buckets down."""
    unseen = float(profile["unseen_share"])
    index = profile["buckets"].index(UNSEEN)
    scaled = [share * (1.0 - unseen) for share in shares]
    scaled[index] = unseen
    return scaled


def bucket_counts(profile: dict[str, Any], values: pd.Series) -> np.ndarray:
    """Counts of ``values`` in each bucket of ``profile`` (same order as ``buckets``)."""
    kind = profile["kind"]
    buckets = profile["buckets"]
    if kind == "numeric":
        numbers = pd.to_numeric(
            values.astype(object).where(values.notna(), None), errors="coerce"
        ).astype("float64")
        present = numbers.dropna().to_numpy()
        edges = np.asarray(profile["edges"], dtype="float64")
        # right=True: bucket i holds (edges[i-1], edges[i]]; above the last edge -> last bucket.
        index = np.searchsorted(edges, present, side="left")
        counts = np.bincount(index, minlength=len(buckets) - 1).astype("float64")
        return np.append(counts, float(numbers.isna().sum()))
    position = {name: i for i, name in enumerate(buckets)}
    counts = np.zeros(len(buckets), dtype="float64")
    if kind == "categorical":
        text = values.astype(object).where(values.notna(), None)
        tally = Counter(MISSING if v is None else str(v) for v in text)
        for name, count in tally.items():
            counts[position.get(name, position[UNSEEN])] += count
        return counts
    known = set(profile["known"])
    tally = Counter()
    for row in as_tag_lists(values):
        if not row:
            tally[NONE] += 1
        for tag in row:
            tally[tag if tag in position else (OTHER if tag in known else UNSEEN)] += 1
    for name, count in tally.items():
        counts[position[name]] += count
    return counts


def shares_of(profile: dict[str, Any], values: pd.Series) -> list[float]:
    """Shares of ``values`` per bucket of ``profile`` (zeros when there are no values)."""
    counts = bucket_counts(profile, values)
    total = counts.sum()
    return (counts / total if total else counts).tolist()


def profile_column(values: pd.Series, n_bins: int, top_n: int | None = None) -> dict[str, Any]:
    """Profile one column, choosing the kind from its values."""
    sample = values.dropna()
    first = sample.iloc[0] if len(sample) else None
    if isinstance(first, list | tuple | np.ndarray):
        return multilabel_profile(values, top_n)
    if _is_boolean(values):
        profile = categorical_profile(_booleans_as_text(values), closed=True)
        profile["boolean"] = True
        return profile
    if pd.api.types.is_numeric_dtype(values):
        return numeric_profile(values, n_bins)
    return categorical_profile(values)


def prepare_values(profile: dict[str, Any], values: pd.Series) -> pd.Series:
    """Bring current values into the form the profile was built from (booleans as text)."""
    return _booleans_as_text(values) if profile.get("boolean") else values


def _booleans_as_text(values: pd.Series) -> pd.Series:
    return values.astype(object).map(lambda v: None if pd.isna(v) else str(bool(v)))


def compare(
    profile: dict[str, Any], values: pd.Series, epsilon: float
) -> tuple[float, pd.DataFrame]:
    """PSI of ``values`` against ``profile`` and the per-bucket shares behind it."""
    current = shares_of(profile, prepare_values(profile, values))
    reference = profile["shares"]
    value = psi(reference, current, epsilon) if len(values) else float("nan")
    table = pd.DataFrame(
        {"bucket": profile["buckets"], "reference_share": reference, "current_share": current}
    )
    return value, table
