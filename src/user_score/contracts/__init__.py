"""Data contracts: one pandera ``DataFrameModel`` per table that crosses a boundary.

Two kinds of contract live here:

* **File contracts** are attached to catalog datasets with the Kedro 1.7
  ``validator:`` key (``conf/base/catalog_*.yml``). A failure stops the run
  before any node consumes the data, with an error naming the dataset, its
  file, the column and the rule (see :mod:`user_score.catalog`).
* **Row contracts** (``*Row`` models) are applied by nodes with
  :func:`split_by_contract`: rows that break a rule are moved to a quarantine
  table with a ``reason`` instead of failing the whole file, so nothing is lost
  and ``rows_in = rows_out + rows_quarantined`` holds.

``docs/data_contract.md`` is generated from these models by
:mod:`user_score.contracts.docs` (``python -m user_score.contracts --write``,
``make contract-docs``); runtime code never imports that module, and a test
keeps the document in step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from user_score.features import (
    ESRB_RATINGS,
    PLATFORM_PATTERN,
    map_unique,
    normalise_platform,
    parse_list_string,
    parse_release_dates,
    per_unique,
)

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
MAX_TITLE_LENGTH = 300
MAX_LIST_STRING_LENGTH = 2_000
#: A numeric column must parse for at least this share of its non-null cells;
#: below it the column is taken to be mislabelled and the file is rejected.
MIN_NUMERIC_SHARE = 0.5


# ---------------------------------------------------------------------------
# Reusable rules (vectorised; the check name is what errors and reasons show)
# ---------------------------------------------------------------------------


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

    @pa.check("meta_score", "user_score", name="numeric_column")
    @classmethod
    def numeric_column(cls, series: pd.Series) -> bool:
        """At least half of the non-null values are numbers (else: wrong column)."""
        return is_numeric_column(series)

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
        description="'Feb 12, 2021', ISO 'YYYY-MM-DD', or TBA/'TBA 2011'/'Q4 2015'; not Canceled.",
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

    @pa.check("meta_score", name="number_in_range(0,100)")
    @classmethod
    def meta_score_range(cls, series: pd.Series) -> pd.Series:
        """Null or a number within 0-100."""
        return is_number_in_range(series, 0, 100)

    @pa.check("user_score", name="number_in_range(0,10)")
    @classmethod
    def user_score_range(cls, series: pd.Series) -> pd.Series:
        """Null or a number within 0-10."""
        return is_number_in_range(series, 0, 10)

    @pa.check("date", name="release_date_format")
    @classmethod
    def date_format(cls, series: pd.Series) -> pd.Series:
        """A real calendar date ('Feb 12, 2021' or ISO) or a TBA form."""
        return parse_release_dates(series)["date_valid"]

    @pa.check("date", name="not_cancelled")
    @classmethod
    def not_cancelled(cls, series: pd.Series) -> pd.Series:
        """A cancelled game is never released, so it is never a training row."""
        return ~parse_release_dates(series)["date_cancelled"]

    @pa.check("developers", "genres", name="list_string")
    @classmethod
    def list_strings(cls, series: pd.Series) -> pd.Series:
        """Null or a Python-list string of names (at most 2,000 characters)."""
        return is_list_string(series)

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
    release_year: Series[float] = pa.Field(nullable=True, ge=1970, le=2100)
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


# ---------------------------------------------------------------------------
# monitoring (inputs it checks, tables it writes)
# ---------------------------------------------------------------------------


def is_iso_date(series: pd.Series) -> pd.Series:
    """Row rule: a ``YYYY-MM-DD`` date (a timestamp is accepted)."""
    text = series.astype("string").str.strip().str.slice(0, 10)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").notna().to_numpy()


class Actuals(pa.DataFrameModel):
    """Row contract of delivered labels (``prod/actuals/dt=YYYY-MM-DD/actuals.csv``).

    Labels arrive 7-14 days after scoring, not for every game, sometimes late,
    partial or twice. Rows breaking a rule go to ``monitoring_labels_quarantine``;
    repeated deliveries of one ``id`` are de-duplicated by monitoring (latest wins).
    """

    id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1}, description="Game id.")
    event_date: Series[str] = pa.Field(
        nullable=False, description="Day the real user score became known, YYYY-MM-DD."
    )
    real_user_score: Series[str] = pa.Field(nullable=False, description="Real user score 0-10.")

    class Config:
        strict = False
        coerce = True
        description = "Delivered labels; rows failing a rule are quarantined."

    @pa.check("event_date", name="iso_date")
    @classmethod
    def event_date_format(cls, series: pd.Series) -> pd.Series:
        """A YYYY-MM-DD date."""
        return pd.Series(is_iso_date(series), index=series.index)

    @pa.check("real_user_score", name="number_in_range(0,10)")
    @classmethod
    def score_range(cls, series: pd.Series) -> pd.Series:
        """A number within 0-10."""
        return is_number_in_range(series, 0, 10) & series.notna()


class MonitoredPredictions(pa.DataFrameModel):
    """What monitoring reads from the daily ``predictions`` partitions."""

    id: Series[str] = pa.Field(nullable=False, description="Scored row id.")
    prediction_date: Series[str] = pa.Field(nullable=False, description="Scoring day.")
    predicted_user_score: Series[float] = pa.Field(ge=0, le=10)
    prediction_lower: Series[float] = pa.Field(ge=0, le=10, description="80 % interval, low.")
    prediction_upper: Series[float] = pa.Field(ge=0, le=10, description="80 % interval, high.")
    model_version: Series[str] = pa.Field(description="Model that made the prediction.")

    class Config:
        strict = False
        coerce = True
        description = "Columns of the scoring output that monitoring relies on."

    @pa.check("prediction_date", name="iso_date")
    @classmethod
    def prediction_date_format(cls, series: pd.Series) -> pd.Series:
        """A YYYY-MM-DD date."""
        return pd.Series(is_iso_date(series), index=series.index)


MONITORING_FLAGS = ["ok", "warning", "critical"]


class DriftReport(pa.DataFrameModel):
    """PSI per monitored feature and for the predictions (``drift_report``)."""

    run_date: Series[str] = pa.Field(description="Monitored day.")
    feature: Series[str] = pa.Field(unique=True, description="Feature, or 'prediction'.")
    kind: Series[str] = pa.Field(isin=["numeric", "categorical", "multilabel"])
    psi: Series[float] = pa.Field(ge=0, nullable=True, description="Population Stability Index.")
    flag: Series[str] = pa.Field(isin=MONITORING_FLAGS)
    enough_rows: Series[bool] = pa.Field(description="n_current >= min_rows_for_drift.")
    n_reference: Series[int] = pa.Field(ge=0)
    n_current: Series[int] = pa.Field(ge=0)
    psi_noise_floor: Series[float] = pa.Field(
        nullable=True, description="PSI expected from sample size alone, without drift."
    )
    missing_share: Series[float] = pa.Field(ge=0, le=1)
    unseen_share: Series[float] = pa.Field(ge=0, le=1)

    class Config:
        strict = True
        description = "One row per monitored column, worst PSI first."


class PerformanceReport(pa.DataFrameModel):
    """Realised and estimated performance against the training baseline."""

    run_date: Series[str]
    metric: Series[str] = pa.Field(unique=True)
    value: Series[float] = pa.Field(nullable=True, description="Null when not computable.")
    baseline: Series[float] = pa.Field(nullable=True, description="Training CV value.")
    change: Series[float] = pa.Field(
        nullable=True, description="Relative (MAE) or absolute drop (R2, coverage)."
    )
    flag: Series[str] = pa.Field(isin=MONITORING_FLAGS)
    rows: Series[int] = pa.Field(ge=0, description="Rows the metric is computed on.")
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        description = "One row per metric of the monitoring window."


class MonitoringHistory(pa.DataFrameModel):
    """One row per monitored run_date (``monitoring_history``); a rerun replaces its row."""

    run_date: Series[str] = pa.Field(unique=True, str_matches=r"^\d{4}-\d{2}-\d{2}$")
    status: Series[str] = pa.Field(isin=["GREEN", "AMBER", "RED"])
    recommended_action: Series[str] = pa.Field(isin=["none", "investigate", "retrain"])
    max_feature_psi: Series[float] = pa.Field(nullable=True)
    prediction_psi: Series[float] = pa.Field(nullable=True)
    mae: Series[float] = pa.Field(nullable=True)
    estimated_mae_unlabelled: Series[float] = pa.Field(nullable=True)

    class Config:
        strict = False
        description = "Monitoring trend table, oldest run_date first."


# ---------------------------------------------------------------------------
# scoring (daily batch input and what scoring writes)
# ---------------------------------------------------------------------------

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

    @pa.check("meta_score", name="numeric_column")
    @classmethod
    def numeric_column(cls, series: pd.Series) -> bool:
        """At least half of the non-null values are numbers (else: wrong column)."""
        return is_numeric_column(series)


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
        description="ISO 'YYYY-MM-DD', 'Feb 12, 2021' or TBA/'TBA 2011'/'Q4 2015'; not Canceled.",
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

    @pa.check("meta_score", name="number_in_range(0,100)")
    @classmethod
    def meta_score_range(cls, series: pd.Series) -> pd.Series:
        """Null or a number within 0-100."""
        return is_number_in_range(series, 0, 100)

    @pa.check("date", name="release_date_format")
    @classmethod
    def date_format(cls, series: pd.Series) -> pd.Series:
        """A real calendar date ('Feb 12, 2021' or ISO) or a TBA form."""
        return parse_release_dates(series)["date_valid"]

    @pa.check("date", name="not_cancelled")
    @classmethod
    def not_cancelled(cls, series: pd.Series) -> pd.Series:
        """A cancelled game is never released: there is nothing to score."""
        return ~parse_release_dates(series)["date_cancelled"]

    @pa.check("developers", "genres", name="list_string")
    @classmethod
    def list_strings(cls, series: pd.Series) -> pd.Series:
        """Null or a Python-list string of names (at most 2,000 characters)."""
        return is_list_string(series)


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


# ---------------------------------------------------------------------------
# Quarantine mechanics
# ---------------------------------------------------------------------------


def row_failures(frame: pd.DataFrame, schema: type[pa.DataFrameModel]) -> pd.Series:
    """Return, per row of ``frame``, the ``'column: rule'`` reasons it breaks.

    Args:
        frame: Data to check (its index must be unique).
        schema: A row contract (all its failures must be row-level).

    Returns:
        A string series aligned with ``frame``: empty for rows that pass.
    """
    reasons = pd.Series("", index=frame.index, dtype=object)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        row_level = cases[cases["index"].notna()]
        file_level = cases[cases["index"].isna()]
        if not file_level.empty:
            raise
        # Column-level rules read "column: rule"; table-level rules are named
        # "column: rule" themselves (e.g. "platform: recognised_or_...").
        checks = row_level["check"].astype(str)
        columns = row_level["column"]
        labels = (columns.astype(str) + ": " + checks).where(columns.notna(), checks)
        per_row = (
            pd.DataFrame({"index": row_level["index"].to_numpy(), "label": labels.to_numpy()})
            .drop_duplicates()
            .groupby("index", sort=False)["label"]
            .agg(lambda items: "; ".join(sorted(items)))
        )
        reasons.loc[per_row.index] = per_row.to_numpy()
    return reasons


def split_by_contract(
    frame: pd.DataFrame, schema: type[pa.DataFrameModel]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into rows that pass ``schema`` and rejected rows with a reason.

    Returns:
        ``(valid, rejected)``; ``rejected`` is the original rows, unchanged,
        plus a ``reason`` column. ``len(valid) + len(rejected) == len(frame)``.
    """
    reasons = row_failures(frame, schema)
    bad = reasons != ""
    rejected = frame.loc[bad].copy()
    rejected["reason"] = reasons.loc[bad]
    return frame.loc[~bad], rejected
