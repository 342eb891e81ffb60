"""Stateless parsing and feature functions shared by every pipeline.

Everything here is a pure, vectorised function of a single row's raw values:
no statistic is learned from the data. That is what lets ``data_engineering``
(on the raw catalog) and ``scoring`` (on a daily batch) call exactly the same
code, and leaves every *fitted* statistic (vocabularies, target encodings) to
the model artifact's preprocessor, which is fitted inside training folds only.

Expensive per-value parsing (list strings, dates, titles) is done once per
*unique* value and mapped back, so a million-row batch with a few thousand
distinct genre strings costs a few thousand parses.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from user_score.titles import (
    TITLE_FEATURES,
    normalise_titles,
    title_features,
)

#: The title features that are flags and counts (the others are text keys).
TITLE_FLAGS = [column for column in TITLE_FEATURES if column not in ("franchise", "base_title")]

# ---------------------------------------------------------------------------
# Vocabularies of the source (categories, not data)
# ---------------------------------------------------------------------------

#: Canonical platform codes and the spellings that map onto them.
PLATFORM_ALIASES: dict[str, str] = {
    "3ds": "3DS",
    "nintendo 3ds": "3DS",
    "ds": "DS",
    "nintendo ds": "DS",
    "wii": "WII",
    "wiiu": "WIIU",
    "wii u": "WIIU",
    "wii-u": "WIIU",
    "switch": "SWITCH",
    "nintendo switch": "SWITCH",
    "gba": "GBA",
    "game boy advance": "GBA",
    "game-boy-advance": "GBA",
    "gc": "GC",
    "gamecube": "GC",
    "n64": "N64",
    "nintendo 64": "N64",
    "nintendo-64": "N64",
    "ios": "IOS",
}

#: Launch year of each known platform (public facts), for "age of platform".
PLATFORM_LAUNCH_YEAR: dict[str, int] = {
    "N64": 1996,
    "GBA": 2001,
    "GC": 2001,
    "DS": 2004,
    "WII": 2006,
    "IOS": 2008,
    "3DS": 2011,
    "WIIU": 2012,
    "SWITCH": 2017,
}

#: A plausible platform name: anything else (``TG16)``) is a scrape error.
PLATFORM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 +.\-]*$"

#: ESRB ratings as written on Metacritic.
ESRB_RATINGS: tuple[str, ...] = ("E", "E10+", "T", "M", "AO", "EC", "K-A", "RP")

#: Company-name suffixes that the scrape split off into their own list item.
COMPANY_SUFFIXES: tuple[str, ...] = (
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "co.",
    "co",
    "co. ltd.",
    "co., ltd.",
    "co.ltd.",
    "corp.",
    "corporation",
    "llc",
    "gmbh",
    "s.a.",
    "s.r.l.",
    "plc",
)

#: Date strings meaning "not released yet / date unknown" (null date, flagged).
TBA_PATTERN = r"^(?:TBA(?:\s+(?P<tba_year>\d{4}))?|Q[1-4]\s+(?P<q_year>\d{4})|(?P<y_only>\d{4}))$"
#: Date strings meaning the game was cancelled: never a release, quarantined.
CANCELLED_PATTERN = r"^cancell?ed$"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def map_unique(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` once per distinct value of ``series`` and broadcast back.

    Args:
        series: Any series (nulls included; ``func`` sees them as ``None``).
        func: A pure function of one value.

    Returns:
        A series aligned with ``series`` holding ``func(value)`` per row.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = [func(value) for value in uniques]
    # Code -1 (a missing value) indexes the last slot.
    results.append(func(None) if (codes == -1).any() else None)
    out = np.empty(len(results), dtype=object)
    out[:] = results
    return pd.Series(out[codes], index=series.index, dtype=object)


def per_unique(series: pd.Series, func: Callable[[pd.Series], Any]) -> Any:
    """Apply a vectorised, element-wise ``func`` to the distinct values of ``series`` only.

    ``func`` takes a series and returns a series or frame aligned with it (one
    row per element, not depending on the index). It is called once on the
    distinct values (plus one missing value) and its rows are broadcast back,
    so the result equals ``func(series)`` while a million-row column with a few
    thousand distinct values costs a few thousand evaluations.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = pd.Series(uniques, dtype=series.dtype)
    missing = pd.Series([None], dtype=series.dtype)
    # Code -1 (a missing value) takes the last row: func's result for a missing value.
    values = pd.concat([values, missing], ignore_index=True).rename(series.name)
    result = func(values)
    # Every value distinct (a day of new titles): the codes are 0..n-1 in order, so the
    # rows are the result's first n as they are, without a copy of them.
    distinct = len(uniques) == len(series)
    taken = result.iloc[: len(series)] if distinct else result.take(codes)
    taken.index = series.index
    return taken


def per_list_object(series: pd.Series, func: Callable[[Any], Any], dtype: Any = bool) -> np.ndarray:
    """``func`` of each row's list (a ``dtype`` value), evaluated once per distinct list *object*.

    :func:`parse_names` gives the rows of one distinct raw string the same
    list object, so a day costs one ``func`` call per distinct list string.
    """
    values = series.to_numpy(dtype=object)
    ids = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    codes, distinct = pd.factorize(ids)
    first = np.empty(len(distinct), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(values) - 1, -1, -1)
    results = np.fromiter((func(values[i]) for i in first), dtype=dtype, count=len(first))
    return results[codes]


def stable_hash(value: str, length: int = 16) -> str:
    """Return a short, stable hex digest of ``value`` (sha1, not for security)."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:length]


# ---------------------------------------------------------------------------
# List strings: "['Nintendo', ' Imagineer Co.', 'Ltd.']"
# ---------------------------------------------------------------------------


def parse_list_string(value: Any) -> list[str] | None:
    """Parse a Python-list string of names; ``None`` if it is not one.

    Missing values parse to an empty list. Items are stripped; empty items
    and repeats are dropped (order kept). One item per string literal: Python
    joins adjacent literals, so ``['a' 'b']`` (a missing comma) would be the
    single name ``ab``; it is refused instead.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    text = str(value).strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
        return None
    if _string_literals(text) != len(parsed):
        return None
    items: list[str] = []
    for item in parsed:
        name = " ".join(item.split())
        if name and name not in items:
            items.append(name)
    return items


def _string_literals(text: str) -> int:
    """Number of string literals in a valid Python expression."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return sum(token.type == tokenize.STRING for token in tokens)


def repair_company_fragments(items: list[str] | None) -> list[str] | None:
    """Rejoin company suffixes (``'Ltd.'``, ``'Inc.'``, ``'Co.'``) to the previous name.

    ``['Imagineer Co.', 'Ltd.']`` becomes ``['Imagineer Co. Ltd.']``; a suffix
    with no preceding name is kept as it is.
    """
    if items is None:
        return None
    repaired: list[str] = []
    for item in items:
        if repaired and item.lower() in COMPANY_SUFFIXES:
            repaired[-1] = f"{repaired[-1]} {item}"
        elif item not in repaired:
            repaired.append(item)
    return repaired


def parse_names(series: pd.Series, repair_fragments: bool) -> pd.Series:
    """Parse a column of list strings into lists of clean names (``None`` = invalid)."""

    def _parse(value: Any) -> list[str] | None:
        items = parse_list_string(value)
        return repair_company_fragments(items) if repair_fragments else items

    return map_unique(series, _parse)


# ---------------------------------------------------------------------------
# Dates: "Feb 12, 2021", "2021-02-12", "TBA", "TBA 2011", "Q4 2015", "Canceled"
# ---------------------------------------------------------------------------


def parse_release_dates(series: pd.Series) -> pd.DataFrame:
    """Parse raw release dates (each distinct string once, see :func:`_parse_release_dates`)."""
    return per_unique(series, _parse_release_dates)


def _parse_release_dates(series: pd.Series) -> pd.DataFrame:
    """Parse raw release dates.

    Returns a frame aligned with ``series`` with columns:
    ``release_date`` (datetime64, NaT unless a full date was given),
    ``date_tba`` (bool: announced without a day, e.g. ``TBA``/``Q4 2015``),
    ``date_year_hint`` (float year from ``TBA 2011``/``Q4 2015``, else NaN),
    ``date_cancelled`` (bool) and ``date_valid`` (bool: one of the known forms,
    and a real calendar date: ``Feb 30, 2020`` is invalid).
    """
    text = series.astype("string").str.strip()
    us_form = pd.to_datetime(text, format="%b %d, %Y", errors="coerce")
    iso_form = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    release = us_form.fillna(iso_form)
    tba = text.str.extract(TBA_PATTERN, flags=re.IGNORECASE)
    is_tba = text.str.match(TBA_PATTERN, case=False).fillna(False).astype(bool) & release.isna()
    year_hint = pd.to_numeric(
        tba["tba_year"].fillna(tba["q_year"]).fillna(tba["y_only"]), errors="coerce"
    )
    cancelled = text.str.match(CANCELLED_PATTERN, case=False).fillna(False).astype(bool)
    valid = release.notna() | is_tba.fillna(False) | cancelled
    return pd.DataFrame(
        {
            "release_date": release.astype("datetime64[ns]"),
            "date_tba": is_tba.fillna(False).astype(bool),
            "date_year_hint": year_hint.astype("float64"),
            "date_cancelled": cancelled,
            "date_valid": valid.fillna(False).astype(bool),
        },
        index=series.index,
    )


# ---------------------------------------------------------------------------
# Platforms
# ---------------------------------------------------------------------------


def normalise_platform(platform: pd.Series, link: pd.Series | None = None) -> pd.DataFrame:
    """Canonicalise platform names and repair scrape errors from the link slug.

    ``"Wii U"``/``"WIIU"`` -> ``WIIU``. A value that is not a plausible name
    (``TG16)``) is replaced by the platform in ``/game/<slug>/...`` when the
    slug is a known platform; ``platform_valid`` is False when it cannot be.
    Unknown but plausible names (a new console) are kept, upper-cased.
    """
    if link is None:
        return per_unique(platform, _normalise_platform_names)
    return _normalise_platform(platform, link)


def _normalise_platform_names(platform: pd.Series) -> pd.DataFrame:
    return _normalise_platform(platform, None)


def _normalise_platform(platform: pd.Series, link: pd.Series | None) -> pd.DataFrame:
    raw = platform.astype("string").str.strip()
    key = raw.str.lower().str.replace(r"\s+", " ", regex=True)
    canonical = key.map(PLATFORM_ALIASES)
    plausible = raw.str.match(PLATFORM_PATTERN).fillna(False).astype(bool)
    canonical = canonical.fillna(raw.str.upper().str.replace(" ", "", regex=False).where(plausible))
    repaired = pd.Series(False, index=platform.index)
    if link is not None:
        slug = link.astype("string").str.extract(r"^/game/([^/]+)/", expand=False).str.lower()
        from_slug = slug.map(PLATFORM_ALIASES)
        repaired = (~plausible) & from_slug.notna()
        canonical = canonical.where(~repaired, from_slug)
    valid = canonical.notna()
    return pd.DataFrame(
        {
            "platform": canonical.astype(object).where(valid, None),
            "platform_repaired": repaired.astype(bool),
            "platform_valid": valid.astype(bool),
        },
        index=platform.index,
    )


# ---------------------------------------------------------------------------
# Titles (user_score.titles)
# ---------------------------------------------------------------------------


def title_flags(title: pd.Series) -> pd.DataFrame:
    """Boolean and numeric title features (DLC, port, sequel, subtitle, length)."""
    flags = ["is_dlc", "is_port", "is_sequel", "has_subtitle", "title_length"]
    return per_unique(title, title_features).loc[:, flags]


# ---------------------------------------------------------------------------
# Typing a raw frame (shared by data_engineering and scoring)
# ---------------------------------------------------------------------------


def _to_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("float64")


# Text columns with a few distinct values (platform, ESRB rating) are converted once per
# distinct value (per_unique), so the rows share one object per value instead of
# holding a string each: a million rows of "SWITCH" are one string, not a million.
def _as_text(values: pd.Series) -> pd.Series:
    return values.astype(str)


def _as_objects(values: pd.Series) -> pd.Series:
    return values.astype(object)


def _objects_or(values: pd.Series, missing: str | None) -> pd.Series:
    return values.astype(object).where(values.notna(), missing)


def _names_in(names: Any) -> int:
    """How many names a row holds: a list, or an array as read back from Parquet; 0 for a
    missing or unparsable one (what ``Series.str.len().fillna(0)`` gives)."""
    try:
        return len(names)
    except TypeError:
        return 0


def parse_raw_games(raw: pd.DataFrame, link: pd.Series | None = None) -> pd.DataFrame:
    """Type the raw text columns of games that passed their row contract.

    Used by ``data_engineering`` (raw catalog, with ``link`` to repair
    platforms) and ``scoring`` (daily batch, no link), so both see the same
    typed values.

    Args:
        raw: Text columns ``title, platform, date, meta_score, esrb_rating,
            developers, genres``.
        link: Optional Metacritic paths used to repair scrape-error platforms.

    Returns:
        A frame aligned with ``raw``: ``title, platform, platform_repaired,
        release_date, date_tba, date_year_hint, meta_score, esrb_rating,
        developers, genres``.
    """
    dates = parse_release_dates(raw["date"])
    platform = normalise_platform(raw["platform"], link)
    return pd.DataFrame(
        {
            "title": per_unique(raw["title"], normalise_titles).to_numpy(),
            "platform": per_unique(platform["platform"], _as_text),
            "platform_repaired": platform["platform_repaired"],
            "release_date": dates["release_date"],
            "date_tba": dates["date_tba"],
            "date_year_hint": dates["date_year_hint"],
            "meta_score": per_unique(raw["meta_score"], _to_float).to_numpy(),
            "esrb_rating": per_unique(raw["esrb_rating"], partial(_objects_or, missing=None)),
            "developers": parse_names(raw["developers"], repair_fragments=True),
            "genres": parse_names(raw["genres"], repair_fragments=False),
        },
        index=raw.index,
    )


# ---------------------------------------------------------------------------
# Model features
# ---------------------------------------------------------------------------

#: The stateless engineered features, with their meaning (docs are generated
#: from this mapping, so it is the single source of truth).
FEATURE_DOCS: dict[str, str] = {
    "meta_score": "Critic Metascore 0-100 (null when the game has no critic score).",
    "meta_score_missing": "True when meta_score is null (missingness is a signal).",
    "release_year": "Release year; the TBA year hint when only that is known; null otherwise.",
    "release_month": "Release month 1-12 (null for TBA).",
    "release_quarter": "Release quarter 1-4 (null for TBA).",
    "date_tba": "Announced without a release day (TBA, TBA 2011, Q4 2015).",
    "platform": "Canonical platform code (3DS, DS, WII, WIIU, SWITCH, GBA, GC, N64, IOS, ...).",
    "platform_launch_year": "Launch year of the platform (null for unknown platforms).",
    "years_since_platform_launch": "release_year - platform_launch_year (late-cycle releases).",
    "esrb_rating": "ESRB rating; 'missing' when not rated.",
    "n_genres": "Number of distinct genre tags.",
    "n_developers": "Number of developers after rejoining split company suffixes.",
    "is_first_party": "Nintendo is among the developers.",
    "is_dlc": "Title looks like DLC / an expansion / a content pack.",
    "is_port": "Title looks like a port, remaster, collection or re-release.",
    "is_sequel": "Title carries a sequel number (2-19 or a roman numeral).",
    "has_subtitle": "Title has a ':' or ' - ' subtitle.",
    "title_length": "Number of characters in the title.",
    "genres": "List of genre tags (multi-hot encoded by the fitted preprocessor).",
    "developers": "List of developers (target-encoded by the fitted preprocessor).",
    "franchise": "Franchise key from the title (target-encoded by the fitted preprocessor).",
    "base_title": "Title without edition/DLC decorations; group key for grouped CV.",
}


def build_features(games: pd.DataFrame) -> pd.DataFrame:
    """Compute the stateless model features from a clean games table.

    Args:
        games: A table with the ``GamesClean`` columns used here: ``title``,
            ``platform``, ``release_date``, ``date_tba``, ``date_year_hint``,
            ``meta_score``, ``esrb_rating``, ``developers``, ``genres``.

    Returns:
        A frame aligned with ``games`` holding exactly the columns of
        :data:`FEATURE_DOCS`.
    """
    release = pd.to_datetime(games["release_date"])
    year = release.dt.year.astype("float64").fillna(games["date_year_hint"].astype("float64"))
    launch = games["platform"].map(PLATFORM_LAUNCH_YEAR).astype("float64")
    titles = per_unique(games["title"], title_features)
    developers = games["developers"]
    genres = games["genres"]
    return pd.DataFrame(
        {
            "meta_score": games["meta_score"].astype("float64"),
            "meta_score_missing": games["meta_score"].isna(),
            "release_year": year,
            "release_month": release.dt.month.astype("float64"),
            "release_quarter": release.dt.quarter.astype("float64"),
            "date_tba": games["date_tba"].astype(bool),
            "platform": per_unique(games["platform"], _as_objects),
            "platform_launch_year": launch,
            "years_since_platform_launch": year - launch,
            "esrb_rating": per_unique(
                games["esrb_rating"], partial(_objects_or, missing="missing")
            ),
            "n_genres": per_list_object(genres, _names_in, dtype="int64"),
            "n_developers": per_list_object(developers, _names_in, dtype="int64"),
            "is_first_party": per_list_object(developers, lambda names: "Nintendo" in list(names)),
            **{column: titles[column] for column in TITLE_FLAGS},
            "genres": genres,
            "developers": developers,
            "franchise": titles["franchise"].astype(object),
            "base_title": titles["base_title"].astype(object),
        },
        index=games.index,
        copy=False,  # the columns as computed, not copied into 2-D blocks (a million rows: ~120 MB)
    )
