"""Contracts of the scoring pipeline: the daily batch in, the predictions out.

``BatchInput`` (file) and ``BatchInputRow`` (rows, quarantined into
``scoring_quarantine``) guard a daily batch; ``Predictions`` is what scoring
writes for the day.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from user_score.contracts.checks import (
    MAX_RELEASE_YEAR,
    MAX_TITLE_LENGTH,
    MIN_RELEASE_YEAR,
    field_count_check,
    list_string_check,
    not_a_formula_check,
    not_cancelled_check,
    number_in_range_check,
    numeric_column_check,
    release_date_format_check,
    release_year_check,
)
from user_score.features import normalise_platform

#: Columns of a daily scoring batch (``prod/input/dt=YYYY-MM-DD/input.csv``).
BATCH_COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "platform",
    "date",
    "meta_score",
    "esrb_rating",
    "developers",
    "genres",
)
MAX_ID_LENGTH = 100


class BatchInput(pa.DataFrameModel):
    """File contract of a daily scoring batch (``batch_input``).

    Loaded with every column as text. The rules are about the file's shape:
    the eight columns are present and ``meta_score`` really holds numbers.
    Extra columns (a leaked ``user_score``, say) are allowed here and dropped
    by scoring; cell-level problems are left to ``BatchInputRow``. A
    header-only file is a valid empty day.
    """

    id: Series[str] = pa.Field(nullable=True, description="Row id, unique in the file.")
    title: Series[str] = pa.Field(nullable=True, description="Game title (optional value).")
    platform: Series[str] = pa.Field(nullable=True, description="Platform name.")
    date: Series[str] = pa.Field(nullable=True, description="Release date as text.")
    meta_score: Series[str] = pa.Field(nullable=True, description="Metascore as text.")
    esrb_rating: Series[str] = pa.Field(nullable=True, description="ESRB rating (optional).")
    developers: Series[str] = pa.Field(nullable=True, description="Python-list string.")
    genres: Series[str] = pa.Field(nullable=True, description="Python-list string.")

    class Config:
        strict = False
        coerce = True
        description = "Daily batch file: eight text columns, extra columns ignored."

    numeric_column = numeric_column_check("meta_score")


class BatchInputRow(pa.DataFrameModel):
    """Row contract of a daily batch: a row breaking any rule goes to ``scoring_quarantine``."""

    id: Series[str] = pa.Field(
        nullable=False,
        str_length={"min_value": 1, "max_value": MAX_ID_LENGTH},
        description="Required; every copy of an id that occurs twice is quarantined.",
    )
    title: Series[str] = pa.Field(
        nullable=True,
        str_length={"max_value": MAX_TITLE_LENGTH},
        description=f"Optional, at most {MAX_TITLE_LENGTH} characters.",
    )
    platform: Series[str] = pa.Field(
        nullable=False, description="Required, a plausible platform name (new ones are scored)."
    )
    date: Series[str] = pa.Field(
        nullable=False,
        description=(
            "ISO 'YYYY-MM-DD', 'Feb 12, 2021' or TBA/'TBA 2011'/'Q4 2015'; not Canceled; "
            f"year {MIN_RELEASE_YEAR}-{MAX_RELEASE_YEAR}."
        ),
    )
    meta_score: Series[str] = pa.Field(nullable=True, description="Null or a number 0-100.")
    esrb_rating: Series[str] = pa.Field(
        nullable=True, description="Optional; an unknown rating is scored and counted as unseen."
    )
    developers: Series[str] = pa.Field(nullable=True, description="Null or a list string.")
    genres: Series[str] = pa.Field(nullable=True, description="Null or a list string.")

    class Config:
        strict = False
        coerce = True
        description = "Row rules of a daily batch; failing rows go to scoring_quarantine."

    @pa.check("id", name="unique")
    @classmethod
    def id_unique(cls, series: pd.Series) -> pd.Series:
        """An id that occurs more than once in the file: all its copies fail."""
        return ~(series.duplicated(keep=False) & series.notna())

    @pa.check("platform", name="plausible_platform_name")
    @classmethod
    def platform_plausible(cls, series: pd.Series) -> pd.Series:
        """Matches PLATFORM_PATTERN (a scrape error such as 'TG16)' does not)."""
        return normalise_platform(series)["platform_valid"]

    meta_score_range = number_in_range_check("meta_score", low=0, high=100)
    date_format = release_date_format_check("date")
    release_year = release_year_check("date", low=MIN_RELEASE_YEAR, high=MAX_RELEASE_YEAR)
    not_cancelled = not_cancelled_check("date")
    list_strings = list_string_check("developers", "genres")
    field_count = field_count_check()
    # ids are written into CSV files people open in spreadsheets (predictions, labels)
    id_not_a_formula = not_a_formula_check("id")


class Predictions(pa.DataFrameModel):
    """What scoring writes for one day (``predictions``), one row per scored id."""

    id: Series[str] = pa.Field(unique=True, description="Row id from the batch.")
    prediction_date: Series[str] = pa.Field(
        str_matches=r"^\d{4}-\d{2}-\d{2}$", description="The run_date, YYYY-MM-DD."
    )
    predicted_user_score: Series[float] = pa.Field(ge=0, le=10, description="Clipped to 0-10.")
    prediction_lower: Series[float] = pa.Field(ge=0, le=10, description="80 % interval, low.")
    prediction_upper: Series[float] = pa.Field(ge=0, le=10, description="80 % interval, high.")
    model_version: Series[str] = pa.Field(description="model_version of the artifact used.")
    features_hash: Series[str] = pa.Field(
        str_matches=r"^[0-9a-f]{16}$",
        description="Hash of the row's model input features (lineage; see scored_features).",
    )

    class Config:
        strict = True
        description = "Daily predictions with interval and lineage."

    @pa.dataframe_check(name="prediction_lower <= predicted_user_score <= prediction_upper")
    @classmethod
    def interval_contains_point(cls, frame: pd.DataFrame) -> pd.Series:
        """The point prediction lies inside its interval."""
        point = frame["predicted_user_score"]
        return (frame["prediction_lower"] <= point) & (point <= frame["prediction_upper"])
