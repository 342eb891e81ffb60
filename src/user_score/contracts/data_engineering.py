"""Contracts of the data_engineering pipeline: the raw catalog in, clean tables out.

``RawGames`` (file) and ``RawGameRow`` (rows, quarantined into
``GamesQuarantine``) guard the raw Metacritic catalog; ``GamesClean`` and
``ModelInputTable`` are the contracts of what data_engineering writes (and
training reads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from user_score.contracts.checks import (
    MAX_RELEASE_YEAR,
    MAX_TITLE_LENGTH,
    MIN_RELEASE_YEAR,
    field_count_check,
    list_string_check,
    not_cancelled_check,
    number_in_range_check,
    numeric_column_check,
    release_date_format_check,
    release_year_check,
)
from user_score.features import ESRB_RATINGS, PLATFORM_PATTERN, normalise_platform

RAW_COLUMNS: tuple[str, ...] = (
    "meta_score",
    "title",
    "platform",
    "date",
    "user_score",
    "link",
    "esrb_rating",
    "developers",
    "genres",
)
LINK_PATTERN = r"^/game/[a-z0-9][a-z0-9\-]*/\S+$"


# ---------------------------------------------------------------------------
# Raw catalog (data_engineering input)
# ---------------------------------------------------------------------------


class RawGames(pa.DataFrameModel):
    """File contract of the raw Metacritic catalog (``raw_games``).

    Loaded with every column as text, so the rules here are about the file's
    shape: all nine columns present, at least one row, and numeric columns
    that really hold numbers. Cell-level problems are left to ``RawGameRow``.
    """

    meta_score: Series[str] = pa.Field(nullable=True, description="Metascore as text.")
    title: Series[str] = pa.Field(nullable=True, description="Game title.")
    platform: Series[str] = pa.Field(nullable=True, description="Platform as scraped.")
    date: Series[str] = pa.Field(nullable=True, description="Release date as scraped.")
    user_score: Series[str] = pa.Field(nullable=True, description="User score as text.")
    link: Series[str] = pa.Field(nullable=True, description="Metacritic path of the game.")
    esrb_rating: Series[str] = pa.Field(nullable=True, description="ESRB rating.")
    developers: Series[str] = pa.Field(nullable=True, description="Python-list string.")
    genres: Series[str] = pa.Field(nullable=True, description="Python-list string.")

    class Config:
        strict = False
        coerce = True
        description = "Raw catalog file: nine text columns, extra columns ignored."

    numeric_column = numeric_column_check("meta_score", "user_score")

    @pa.dataframe_check(name="not_empty")
    @classmethod
    def not_empty(cls, frame: pd.DataFrame) -> bool:
        """The file has at least one data row."""
        return len(frame) > 0


class RawGameRow(pa.DataFrameModel):
    """Row contract of the raw catalog: a row breaking any rule is quarantined."""

    meta_score: Series[str] = pa.Field(nullable=True, description="Null or a number 0-100.")
    title: Series[str] = pa.Field(
        nullable=False,
        str_length={"min_value": 1, "max_value": MAX_TITLE_LENGTH},
        description=f"Required, 1-{MAX_TITLE_LENGTH} characters.",
    )
    platform: Series[str] = pa.Field(nullable=False, description="Required; see platform rule.")
    date: Series[str] = pa.Field(
        nullable=False,
        description=(
            "'Feb 12, 2021', ISO 'YYYY-MM-DD', or TBA/'TBA 2011'/'Q4 2015'; not Canceled; "
            f"year {MIN_RELEASE_YEAR}-{MAX_RELEASE_YEAR}."
        ),
    )
    user_score: Series[str] = pa.Field(nullable=True, description="Null or a number 0-10.")
    link: Series[str] = pa.Field(
        nullable=False,
        str_matches=LINK_PATTERN,
        description="Required, '/game/<platform-slug>/<game-slug>'; source of game_id.",
    )
    esrb_rating: Series[str] = pa.Field(
        nullable=True, isin=list(ESRB_RATINGS), description="Null or an ESRB code."
    )
    developers: Series[str] = pa.Field(nullable=True, description="Null or a list string.")
    genres: Series[str] = pa.Field(nullable=True, description="Null or a list string.")

    class Config:
        strict = False
        coerce = True
        description = "Row rules of the raw catalog; failing rows go to games_quarantine."

    meta_score_range = number_in_range_check("meta_score", low=0, high=100)
    user_score_range = number_in_range_check("user_score", low=0, high=10)
    date_format = release_date_format_check("date")
    release_year = release_year_check("date", low=MIN_RELEASE_YEAR, high=MAX_RELEASE_YEAR)
    not_cancelled = not_cancelled_check("date")
    list_strings = list_string_check("developers", "genres")
    field_count = field_count_check()

    @pa.dataframe_check(name="platform: recognised_or_repairable_from_link")
    @classmethod
    def platform_recognised(cls, frame: pd.DataFrame) -> pd.Series:
        """Platform matches PLATFORM_PATTERN or the link slug names a known platform."""
        return normalise_platform(frame["platform"], frame["link"])["platform_valid"]


# ---------------------------------------------------------------------------
# data_engineering outputs
# ---------------------------------------------------------------------------


class GamesQuarantine(pa.DataFrameModel):
    """Rejected raw rows, unchanged, with why they were rejected."""

    reason: Series[str] = pa.Field(
        nullable=False,
        str_length={"min_value": 1},
        description="'column: rule' items, '; '-joined.",
    )
    source_row: Series[int] = pa.Field(ge=0, description="0-based row number in the raw file.")

    class Config:
        strict = False
        description = "Every rejected raw row with the rule(s) it broke."


class GamesClean(pa.DataFrameModel):
    """Typed games table, one row per game (``games_clean``)."""

    game_id: Series[str] = pa.Field(unique=True, str_length=16, description="sha1(link)[:16].")
    link: Series[str] = pa.Field(unique=True, description="Metacritic path, stripped.")
    title: Series[str] = pa.Field(description="Title, whitespace-normalised.")
    platform: Series[str] = pa.Field(str_matches=PLATFORM_PATTERN, description="Canonical code.")
    platform_repaired: Series[bool] = pa.Field(description="Platform taken from the link slug.")
    release_date: Series[pd.Timestamp] = pa.Field(nullable=True, description="Null for TBA.")
    date_tba: Series[bool] = pa.Field(description="Date announced without a day (TBA forms).")
    date_year_hint: Series[float] = pa.Field(
        nullable=True, description="Year from 'TBA 2011' / 'Q4 2015', else null."
    )
    meta_score: Series[float] = pa.Field(nullable=True, ge=0, le=100, description="0-100.")
    user_score: Series[float] = pa.Field(nullable=True, ge=0, le=10, description="Target, 0-10.")
    esrb_rating: Series[str] = pa.Field(nullable=True, isin=list(ESRB_RATINGS))
    developers: Series[object] = pa.Field(description="list[str], suffixes rejoined.")
    genres: Series[object] = pa.Field(description="list[str], de-duplicated.")

    class Config:
        strict = True
        description = "Clean, typed, one row per game."
        # Coerce dtypes: a batch whose every row is quarantined gives empty columns
        # whose inferred dtypes (int64, object) would otherwise fail the contract.
        coerce = True

    @pa.dataframe_check(name="lists_of_names")
    @classmethod
    def lists_of_names(cls, frame: pd.DataFrame) -> pd.Series:
        """developers and genres hold lists of non-empty strings."""

        def _ok(value: object) -> bool:
            return isinstance(value, list | np.ndarray) and all(
                isinstance(item, str) and item for item in value
            )

        return frame["developers"].map(_ok) & frame["genres"].map(_ok)


class ModelInputTable(pa.DataFrameModel):
    """Labelled and unlabelled games with engineered features and the target."""

    game_id: Series[str] = pa.Field(unique=True)
    title: Series[str]
    release_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    meta_score: Series[float] = pa.Field(nullable=True, ge=0, le=100)
    meta_score_missing: Series[bool]
    release_year: Series[float] = pa.Field(
        nullable=True, ge=MIN_RELEASE_YEAR, le=MAX_RELEASE_YEAR, description="Plausible window."
    )
    release_month: Series[float] = pa.Field(nullable=True, ge=1, le=12)
    release_quarter: Series[float] = pa.Field(nullable=True, ge=1, le=4)
    date_tba: Series[bool]
    platform: Series[str]
    platform_launch_year: Series[float] = pa.Field(nullable=True)
    years_since_platform_launch: Series[float] = pa.Field(nullable=True)
    esrb_rating: Series[str]
    n_genres: Series[int] = pa.Field(ge=0)
    n_developers: Series[int] = pa.Field(ge=0)
    is_first_party: Series[bool]
    is_dlc: Series[bool]
    is_port: Series[bool]
    is_sequel: Series[bool]
    has_subtitle: Series[bool]
    title_length: Series[int] = pa.Field(ge=0)
    genres: Series[object]
    developers: Series[object]
    franchise: Series[str]
    base_title: Series[str]
    user_score: Series[float] = pa.Field(nullable=True, ge=0, le=10, description="Target.")
    is_labelled: Series[bool] = pa.Field(description="user_score is known.")

    class Config:
        strict = True
        description = "Model input: features (see docs/data_contract.md) + target."
        # Coerce dtypes: a batch whose every row is quarantined gives empty columns
        # whose inferred dtypes (int64, object) would otherwise fail the contract.
        coerce = True
