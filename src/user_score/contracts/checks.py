"""Rules shared by the contracts, written once.

Two layers:

* **Rules** (``is_*``): vectorised functions over a column.
* **Model checks** (``*_check``): a rule under the check name that file errors
  and quarantine reasons show (``"date: not_cancelled"``). A model attaches
  one in its body, naming the columns:
  ``not_cancelled = not_cancelled_check("date")``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import pandera.pandas as pa

from user_score.datasets.field_count_csv import FIELD_COUNT_ERROR
from user_score.datasets.pandas import starts_like_formula
from user_score.features import map_unique, parse_list_string, parse_release_dates, per_unique

MAX_TITLE_LENGTH = 300
MAX_LIST_STRING_LENGTH = 2_000
#: A numeric column must parse for at least this share of its non-null cells;
#: below it the column is taken to be mislabelled and the file is rejected.
MIN_NUMERIC_SHARE = 0.5
#: Quarantine reason of a row whose field count differs from the file header's.
FIELD_COUNT_RULE = "row: field_count"
#: Plausible release years (training contract and batches): no video game was released
#: before the first home console (1972); ``1970-01-01`` is an epoch placeholder, 9999 or
#: 0001 are "unknown" markers, not years.
MIN_RELEASE_YEAR = 1972
MAX_RELEASE_YEAR = 2100


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


def is_release_date(series: pd.Series) -> pd.Series:
    """Row rule: a real calendar date ('Feb 12, 2021' or ISO) or a TBA form."""
    return parse_release_dates(series)["date_valid"]


def release_years(series: pd.Series) -> pd.Series:
    """Year of each raw release date (the day's year, else the TBA year hint; NaN if none)."""
    dates = parse_release_dates(series)
    return dates["release_date"].dt.year.astype("float64").fillna(dates["date_year_hint"])


def is_release_year_in_range(series: pd.Series, low: int, high: int) -> pd.Series:
    """Row rule: no year (TBA; an unparsable date is judged by other rules) or one in range."""
    years = release_years(series)
    return years.isna() | years.between(low, high)


def is_ten_point_scale(series: pd.Series) -> bool:
    """Day rule: every meta_score given lies within 0-10 (a 0-10 scale sent as 0-100).

    One such value is a plausible, if poor, Metascore; a whole file of them is not.
    """
    numbers = pd.to_numeric(series.dropna(), errors="coerce").dropna()
    return bool(len(numbers)) and bool(numbers.between(0, 10).all())


def is_not_cancelled(series: pd.Series) -> pd.Series:
    """Row rule: not ``Canceled`` (a cancelled game is never released)."""
    return ~parse_release_dates(series)["date_cancelled"]


def parse_iso_dates(series: pd.Series) -> pd.Series:
    """``YYYY-MM-DD`` texts as dates; anything else (a time, trailing text, ``2024-3-9``,
    ``2024-02-30``) is ``NaT``."""
    text = series.astype("string")
    exact = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    return pd.to_datetime(text.where(exact), format="%Y-%m-%d", errors="coerce")


def is_not_a_formula(series: pd.Series) -> pd.Series:
    """Row rule: null, or text a spreadsheet would not run (no leading ``= + - @``, tab, CR)."""
    return ~starts_like_formula(series)


def is_iso_date(series: pd.Series) -> pd.Series:
    """Row rule: exactly a ``YYYY-MM-DD`` calendar day (no time, no surrounding text)."""
    return parse_iso_dates(series).notna().to_numpy()


# ---------------------------------------------------------------------------
# Model checks
# ---------------------------------------------------------------------------


def column_check(
    name: str, description: str, rule: Callable[[pd.Series], Any]
) -> Callable[..., classmethod]:
    """Make a reusable model check: ``rule`` applied to columns under the name ``name``.

    Call the result with the columns in a model's body; every call makes a fresh
    ``@pa.check`` classmethod, so each model owns its check. (One decorated
    check inherited by two models does not work: pandera hands the custom
    ``name`` to the first model only, and the second reports the method's name
    instead, which would change the quarantine reasons.)
    """

    def attach(*fields: str) -> classmethod:
        def check(cls: type, series: pd.Series) -> Any:
            return rule(series)

        return pa.check(*fields, name=name, description=description)(check)

    return attach


numeric_column_check = column_check(
    "numeric_column",
    "At least half of the non-null values are numbers (else: wrong column).",
    is_numeric_column,
)
release_date_format_check = column_check(
    "release_date_format",
    "A real calendar date ('Feb 12, 2021' or ISO) or a TBA form.",
    is_release_date,
)
not_cancelled_check = column_check(
    "not_cancelled",
    "A cancelled game is never released: not a training row, nothing to score.",
    is_not_cancelled,
)
list_string_check = column_check(
    "list_string",
    "Null or a Python-list string of names (at most 2,000 characters).",
    is_list_string,
)
not_a_formula_check = column_check(
    "not_a_formula",
    "Does not start with = + - @, a tab or a carriage return (a spreadsheet would run it).",
    is_not_a_formula,
)
iso_date_check = column_check(
    "iso_date",
    "Exactly a YYYY-MM-DD calendar day (no time, no other text).",
    lambda series: pd.Series(is_iso_date(series), index=series.index),
)


def number_in_range_check(*fields: str, low: int, high: int) -> classmethod:
    """Model check ``number_in_range(low,high)``: null or a number within ``[low, high]``."""
    return column_check(
        f"number_in_range({low},{high})",
        f"Null or a number within {low}-{high}.",
        partial(is_number_in_range, low=low, high=high),
    )(*fields)


def field_count_check() -> classmethod:
    """Table check ``row: field_count``: the row had as many fields as the file's header.

    Reads the column :data:`~user_score.datasets.field_count_csv.FIELD_COUNT_ERROR` that
    :class:`~user_score.datasets.FieldCountCSVDataset` adds (a frame without it passes).
    """

    def check(cls: type, frame: pd.DataFrame) -> pd.Series:
        if FIELD_COUNT_ERROR not in frame:
            return pd.Series(True, index=frame.index)
        return frame[FIELD_COUNT_ERROR].isna()

    return pa.dataframe_check(
        name=FIELD_COUNT_RULE,
        description="As many fields as the header (a truncated or shifted row is not read).",
    )(check)


def release_year_check(*fields: str, low: int, high: int) -> classmethod:
    """Model check ``release_year_in_range(low,high)`` on raw release dates."""
    return column_check(
        f"release_year_in_range({low},{high})",
        f"The release year (or TBA year) is within {low}-{high}.",
        partial(is_release_year_in_range, low=low, high=high),
    )(*fields)
