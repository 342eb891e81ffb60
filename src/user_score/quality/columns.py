"""Per-column profile of a text-typed file: kind, missing values, distinct values, range, outliers.

Every statistic is computed from the column's value counts (one hash pass
over the rows); parsing, kind inference and quantiles then work on the
*distinct* values weighted by their counts, so a million-row day with a few
thousand distinct titles costs a few thousand parses. Only the row numbers
of outliers take a second pass over the rows (``isin``), and only when there
are outliers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from user_score.features import parse_list_string, parse_release_dates

from .params import QualityParams

#: A kind is claimed when at least this share of the present values has its form.
KIND_SHARE = 0.5
#: Kind inference looks at the most frequent distinct values only (enough to decide).
KIND_SAMPLE = 2_000
#: Fewer numeric values than this: no quartiles, so no IQR outliers.
MIN_VALUES_FOR_OUTLIERS = 4


def round_or_none(value: Any, digits: int = 4) -> float | None:
    """A finite number rounded for JSON, else ``None``."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if np.isfinite(value) else None


def pct(part: float, whole: float) -> float:
    """``part / whole`` in percent, one decimal; 0.0 for an empty whole."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def value_counts(series: pd.Series) -> pd.Series:
    """Counts of the present values, most frequent first (ties in order of first appearance).

    A stable sort on the counts only: a million distinct ids are never sorted as strings,
    and counts already in order (every value distinct, as ids and a day's titles are) are
    not reordered at all, which would copy a million values for the same order.
    """
    counts = series.value_counts(dropna=True, sort=False).astype("int64")
    if (np.diff(counts.to_numpy()) <= 0).all():
        return counts  # what the stable sort would give: the same order
    return counts.sort_values(ascending=False, kind="stable")


def _weighted_share(mask: np.ndarray, counts: np.ndarray) -> float:
    total = counts.sum()
    return float(counts[mask].sum() / total) if total else 0.0


def infer_kind(counts: pd.Series, max_categories: int) -> str:
    """``empty``, ``number``, ``list``, ``date``, ``category`` or ``text``."""
    if counts.empty:
        return "empty"
    sample = counts.head(KIND_SAMPLE)
    values = pd.Series(sample.index, dtype="string")
    weights = sample.to_numpy()
    if _weighted_share(pd.to_numeric(values, errors="coerce").notna().to_numpy(), weights) >= (
        KIND_SHARE
    ):
        return "number"
    looks_like_list = values.str.strip().str.startswith("[").fillna(False).to_numpy(dtype=bool)
    if _weighted_share(looks_like_list, weights) >= KIND_SHARE:
        return "list"
    dates = parse_release_dates(values)
    if _weighted_share(dates["date_valid"].to_numpy(dtype=bool), weights) >= KIND_SHARE:
        return "date"
    return "category" if len(counts) <= max_categories else "text"


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> list[float]:
    """Quantiles of ``values`` repeated ``weights`` times (numpy's linear method), no expansion."""
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    ends = np.cumsum(weights)  # row positions (1-based) where each distinct value ends
    n = int(ends[-1])
    out = []
    for q in qs:
        position = q * (n - 1)  # 0-based, as np.quantile(method="linear")
        low = int(np.floor(position))
        high = min(low + 1, n - 1)
        value_low = values[np.searchsorted(ends, low + 1)]
        value_high = values[np.searchsorted(ends, high + 1)]
        out.append(float(value_low + (value_high - value_low) * (position - low)))
    return out


def _rows_with(
    series: pd.Series, source_rows: np.ndarray, values: pd.Index, limit: int
) -> list[int]:
    """The first ``limit`` row numbers whose value is one of ``values``."""
    if limit == 0 or len(values) == 0:
        return []
    hits = np.flatnonzero(series.isin(list(values)).to_numpy(dtype=bool))
    return sorted(int(row) for row in source_rows[hits])[:limit]


def number_stats(
    series: pd.Series, counts: pd.Series, source_rows: np.ndarray, params: QualityParams
) -> dict[str, Any]:
    """Range, mean, quartiles, non-numeric values and IQR outliers of a numeric column."""
    numbers = pd.to_numeric(pd.Series(counts.index, dtype="string"), errors="coerce")
    parsed = numbers.notna().to_numpy()
    values = numbers.to_numpy(dtype="float64")[parsed]
    weights = counts.to_numpy()[parsed]
    not_numeric = counts.loc[~parsed]
    stats: dict[str, Any] = {
        "non_numeric": int(not_numeric.sum()),
        "non_numeric_examples": [str(v) for v in not_numeric.index[: params.top_values]],
        "non_numeric_rows": _rows_with(series, source_rows, not_numeric.index, params.example_rows),
    }
    n = int(weights.sum())
    if n == 0:
        return {**stats, "min": None, "max": None, "mean": None, "outliers": None}
    q1, median, q3 = weighted_quantiles(values, weights, [0.25, 0.5, 0.75])
    mean = np.average(values, weights=weights)
    variance = np.average((values - mean) ** 2, weights=weights) * n / (n - 1) if n > 1 else None
    stats.update(
        {
            "min": round_or_none(values.min()),
            "q1": round_or_none(q1),
            "median": round_or_none(median),
            "q3": round_or_none(q3),
            "max": round_or_none(values.max()),
            "mean": round_or_none(mean),
            "std": round_or_none(None if variance is None else np.sqrt(variance)),
        }
    )
    if n < MIN_VALUES_FOR_OUTLIERS:
        stats["outliers"] = None
        stats["outliers_note"] = f"{n} numeric value(s): too few for IQR outliers"
        return stats
    iqr = q3 - q1
    low, high = q1 - params.iqr_multiplier * iqr, q3 + params.iqr_multiplier * iqr
    outside = (values < low) | (values > high)
    outlier_values = counts.index[parsed][outside]
    stats["outliers"] = {
        "rule": f"outside [Q1 - {params.iqr_multiplier:g} IQR, Q3 + {params.iqr_multiplier:g} IQR]",
        "low_fence": round_or_none(low),
        "high_fence": round_or_none(high),
        "count": int(weights[outside].sum()),
        "pct": pct(int(weights[outside].sum()), int(counts.sum())),
        "example_rows": _rows_with(series, source_rows, outlier_values, params.example_rows),
    }
    return stats


def date_stats(counts: pd.Series) -> dict[str, Any]:
    """Earliest/latest full date and the counts of TBA, cancelled and unparseable values."""
    parsed = parse_release_dates(pd.Series(counts.index, dtype="string"))
    weights = counts.to_numpy()
    dates = parsed["release_date"]
    return {
        "min": None if dates.isna().all() else dates.min().date().isoformat(),
        "max": None if dates.isna().all() else dates.max().date().isoformat(),
        "full_dates": int(weights[dates.notna().to_numpy()].sum()),
        "tba": int(weights[parsed["date_tba"].to_numpy()].sum()),
        "cancelled": int(weights[parsed["date_cancelled"].to_numpy()].sum()),
        "unparseable": int(weights[~parsed["date_valid"].to_numpy()].sum()),
    }


def list_stats(counts: pd.Series, top: int) -> dict[str, Any]:
    """Items per list, the most frequent items, and values that are not list strings."""
    parsed = pd.Series([parse_list_string(value) for value in counts.index], dtype=object)
    valid = parsed.notna().to_numpy()
    weights = counts.to_numpy()
    lengths = np.array([len(items) if items is not None else 0 for items in parsed])
    items = (
        pd.DataFrame({"item": parsed[valid], "count": weights[valid]})
        .explode("item")
        .dropna(subset=["item"])
    )
    item_counts = (
        items.groupby("item", sort=False)["count"]
        .sum()
        .reset_index()
        .sort_values(["count", "item"], ascending=[False, True])
    )
    n_valid = int(weights[valid].sum())
    return {
        "not_a_list": int(weights[~valid].sum()),
        "empty_lists": int(weights[valid & (lengths == 0)].sum()),
        "mean_items": round_or_none(
            (lengths[valid] * weights[valid]).sum() / n_valid if n_valid else None, 2
        ),
        "distinct_items": len(item_counts),
        "top_items": [
            {"value": str(item), "count": int(count)}
            for item, count in item_counts.head(top).itertuples(index=False)
        ],
    }


def text_stats(counts: pd.Series) -> dict[str, Any]:
    """Shortest and longest value (characters)."""
    lengths = counts.index.str.len().to_numpy()
    weights = counts.to_numpy()
    return {
        "min_length": int(lengths.min()),
        "max_length": int(lengths.max()),
        "mean_length": round_or_none(np.average(lengths, weights=weights), 1),
    }


def profile_column(
    series: pd.Series, source_rows: np.ndarray, params: QualityParams
) -> dict[str, Any]:
    """Profile one text column.

    Args:
        series: The column as read (text; missing values are NA), every row of the file.
        source_rows: The row number (0-based data row of the file) of each element.
        params: Profile settings.

    Returns:
        ``name``, ``kind``, ``rows``, ``missing`` (count, %), ``distinct``,
        ``top_values`` and the statistics of its kind (range and outliers for
        numbers, range and TBA for dates, items for lists, lengths for text,
        every value for categories).
    """
    counts = value_counts(series)
    rows = len(series)
    present = int(counts.sum())
    kind = infer_kind(counts, params.max_categories)
    profile: dict[str, Any] = {
        "name": str(series.name),
        "kind": kind,
        "rows": rows,
        "missing": rows - present,
        "missing_pct": pct(rows - present, rows),
        "distinct": len(counts),
        "top_values": [
            {"value": str(value), "count": int(count), "pct": pct(int(count), rows)}
            for value, count in counts.head(params.top_values).items()
        ],
    }
    if kind == "number":
        profile.update(number_stats(series, counts, source_rows, params))
    elif kind == "date":
        profile.update(date_stats(counts))
    elif kind == "list":
        profile.update(list_stats(counts, params.top_values))
    elif kind in ("text", "category"):
        profile.update(text_stats(counts))
    if kind == "category":
        profile["categories"] = {str(value): int(count) for value, count in counts.items()}
    return profile


def target_distribution(series: pd.Series, params: QualityParams) -> dict[str, Any]:
    """The target's labelled share, summary statistics and a histogram of equal-width bins."""
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")
    labelled = values[np.isfinite(values)]
    summary: dict[str, Any] = {
        "column": str(series.name),
        "rows": len(values),
        "labelled": len(labelled),
        "labelled_pct": pct(len(labelled), len(values)),
    }
    if len(labelled) == 0:
        return {**summary, "histogram": [], "note": "no row has a numeric target value"}
    low, high = float(labelled.min()), float(labelled.max())
    edges = np.linspace(low, high, params.target_bins + 1) if high > low else np.array([low, high])
    hist, edges = np.histogram(labelled, bins=edges)
    q1, median, q3 = np.quantile(labelled, [0.25, 0.5, 0.75])
    return {
        **summary,
        "min": round_or_none(low),
        "q1": round_or_none(q1),
        "median": round_or_none(median),
        "q3": round_or_none(q3),
        "max": round_or_none(high),
        "mean": round_or_none(labelled.mean()),
        "std": round_or_none(labelled.std(ddof=1) if len(labelled) > 1 else None),
        "histogram": [
            {"low": round_or_none(a), "high": round_or_none(b), "count": int(c)}
            for a, b, c in zip(edges[:-1], edges[1:], hist, strict=True)
        ],
    }
