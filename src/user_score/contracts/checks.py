"""Reusable rules of the contracts: vectorised functions over a column.

The contract modules attach them as pandera checks; the check's *name* (not
the function's) is what file errors and quarantine reasons show.
"""

from __future__ import annotations

import pandas as pd

from user_score.features import map_unique, parse_list_string, per_unique

MAX_TITLE_LENGTH = 300
MAX_LIST_STRING_LENGTH = 2_000
#: A numeric column must parse for at least this share of its non-null cells;
#: below it the column is taken to be mislabelled and the file is rejected.
MIN_NUMERIC_SHARE = 0.5


def is_numeric_column(series: pd.Series) -> bool:
    """File rule: at least ``MIN_NUMERIC_SHARE`` of the non-null cells are numbers."""
    present = series.dropna()
    if present.empty:
        return True
    return bool(pd.to_numeric(present, errors="coerce").notna().mean() >= MIN_NUMERIC_SHARE)


def is_number_in_range(series: pd.Series, low: float, high: float) -> pd.Series:
    """Row rule: null, or a number within ``[low, high]`` (each distinct value parsed once)."""

    def _rule(values: pd.Series) -> pd.Series:
        in_range = pd.to_numeric(values, errors="coerce").between(low, high)
        return values.isna().astype(bool) | in_range.fillna(False).astype(bool)

    return per_unique(series, _rule)


def is_list_string(series: pd.Series) -> pd.Series:
    """Row rule: null, or a Python-list string of names of at most 2,000 characters."""
    short = series.astype("string").str.len().fillna(0) <= MAX_LIST_STRING_LENGTH
    # Each distinct string is parsed once (a day repeats a few thousand list strings).
    parsed = map_unique(
        series.where(short), lambda v: None if v is None else parse_list_string(v) is not None
    ).rename(series.name)
    return (series.isna() | parsed.astype("boolean").fillna(False)) & short


def is_iso_date(series: pd.Series) -> pd.Series:
    """Row rule: a ``YYYY-MM-DD`` date (a timestamp is accepted)."""
    text = series.astype("string").str.strip().str.slice(0, 10)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").notna().to_numpy()
