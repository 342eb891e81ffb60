"""Latent games written as the scraper wrote the raw CSV, or as a daily scoring batch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from user_score import contracts
from user_score.demo_data.calibration import (
    DEVELOPER_RAW_SPELLING,
    GENRE_DUPLICATE_RATE,
    SCRAPE_ERROR_TAGS,
)
from user_score.demo_data.names import slugify

# The raw catalog's and a daily batch's columns, in file order (the contracts own them).
RAW_COLUMNS = list(contracts.RAW_COLUMNS)
BATCH_COLUMNS = list(contracts.BATCH_COLUMNS)
#: Rows :func:`to_raw_catalog` adds (two duplicated-link copies, three exact duplicates).
N_RAW_EXTRA_ROWS = 5
#: Below this many games the raw catalog gets no scrape errors or duplicate rows.
MIN_ROWS_FOR_ARTEFACTS = 300
_TEXT_COLUMNS = ("title", "platform", "date", "link", "esrb_rating", "developers", "genres")


def _raw_developer_items(devs: list[str]) -> list[str]:
    """Scraper view of a developer list: joined with ', ' then split on ','."""
    joined = ", ".join(DEVELOPER_RAW_SPELLING.get(d, d) for d in devs)
    return joined.split(",")


def format_developers(devs: list[str]) -> float | str:
    """Raw list string of developers (NaN when unknown)."""
    return str(_raw_developer_items(devs)) if devs else np.nan


def format_genres(genres: list[str], rng: np.random.Generator | None = None) -> float | str:
    """Raw list string of genres, repeating one item for a share of rows when rng is given."""
    if not genres:
        return np.nan
    items = list(genres)
    if rng is not None and rng.random() < GENRE_DUPLICATE_RATE:
        item = items[int(rng.integers(len(items)))]
        items.insert(int(rng.integers(len(items) + 1)), item)
    return str(items)


def to_raw_catalog(games: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Format latent games exactly like the raw scraped CSV (9 columns, in order).

    Adds the scraper's artefacts: genre lists that repeat an item, split company
    suffixes and leading spaces in developer lists, a few scrape-error platforms
    (``TG16)``, ``working title)``) whose link slug keeps the true platform, two
    duplicated links (same game listed twice, the copy without scores) and a few exact
    duplicate rows. Rows are ordered by release date, newest first, undated last.
    """
    rng = np.random.default_rng([seed, 1])
    g = games.reset_index(drop=True)
    raw = _raw_rows(g, rng)
    sort_key = g["release_date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    sort_key = np.where(g["release_date"].isna().to_numpy(), np.iinfo(np.int64).min, sort_key)
    if len(g) >= MIN_ROWS_FOR_ARTEFACTS:
        _add_scrape_errors(rng, raw, n_errors=2)
        extra = _repeated_rows(rng, raw, sort_key)
        if extra:
            rows, keys = zip(*extra, strict=True)
            raw = pd.concat([raw, pd.DataFrame(list(rows))], ignore_index=True)
            sort_key = np.concatenate([sort_key, np.array(keys, dtype=np.int64)])
    order = np.argsort(-sort_key.astype(np.float64), kind="stable")
    raw = raw.iloc[order].reset_index(drop=True)
    raw["meta_score"] = raw["meta_score"].astype("Int64")
    raw["user_score"] = raw["user_score"].astype(float)
    for col in _TEXT_COLUMNS:
        raw[col] = raw[col].astype(object).where(raw[col].notna(), np.nan)
    return raw[RAW_COLUMNS]


def _raw_rows(g: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One raw row per game: scores rounded, list columns as the scraper's list strings."""
    return pd.DataFrame(
        {
            "meta_score": pd.array(np.round(g["meta_score"].to_numpy(dtype=float)), dtype="Int64"),
            "title": g["title"].astype(str).to_numpy(),
            "platform": g["platform"].astype(str).to_numpy(),
            "date": g["date_raw"].astype(str).to_numpy(),
            "user_score": np.round(g["user_score"].to_numpy(dtype=float), 1),
            "link": g["link"].astype(str).to_numpy(),
            "esrb_rating": g["esrb_rating"].to_numpy(),
            "developers": [format_developers(list(d)) for d in g["developers"]],
            "genres": [format_genres(list(x), rng) for x in g["genres"]],
        }
    )


def _add_scrape_errors(rng: np.random.Generator, raw: pd.DataFrame, n_errors: int) -> None:
    """Scrape errors (in place): ``<title> (<tag>)`` parsed with ``<tag>)`` as the
    platform, the link keeping the true platform's slug."""
    for j, i in enumerate(rng.choice(len(raw), size=n_errors, replace=False)):
        tag = SCRAPE_ERROR_TAGS[j % len(SCRAPE_ERROR_TAGS)]
        true_slug = raw.at[i, "link"].split("/")[2]
        title = f"{raw.at[i, 'title']} ({tag})"
        raw.at[i, "title"] = title
        raw.at[i, "platform"] = f"{tag})"
        raw.at[i, "link"] = f"/game/{true_slug}/{slugify(title)}"


def _repeated_rows(
    rng: np.random.Generator, raw: pd.DataFrame, sort_key: np.ndarray
) -> list[tuple[pd.Series, int]]:
    """Rows listed twice, with their sort keys: two scored, dated games again without
    scores (the second with a ``TBA <year>`` date), then three exact duplicates."""
    scored = np.flatnonzero(raw["meta_score"].notna().to_numpy() & (sort_key > 0))
    if len(scored) < 2:
        return []
    extra = []
    for j, i in enumerate(rng.choice(scored, size=2, replace=False)):
        row = raw.iloc[i].copy()
        row["meta_score"] = pd.NA
        row["user_score"] = np.nan
        if j == 1:
            row["date"] = f"TBA {pd.Timestamp(sort_key[i]).year}"
        extra.append((row, sort_key[i]))
    extra += [
        (raw.iloc[i].copy(), sort_key[i]) for i in rng.choice(len(raw), size=3, replace=False)
    ]
    return extra


def to_batch_input(games: pd.DataFrame, id_prefix: str) -> pd.DataFrame:
    """Format games as daily scoring input (no user score).

    Columns ``id, title, platform, date, meta_score, esrb_rating, developers, genres``;
    ``date`` is ISO ``YYYY-MM-DD`` or ``TBA`` when unreleased; list columns are list
    strings in the scraper's developer format.
    """
    g = games.reset_index(drop=True)
    dates = g["release_date"]
    iso = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), "TBA")
    return pd.DataFrame(
        {
            "id": [f"{id_prefix}-{i:06d}" for i in range(len(g))],
            "title": g["title"].astype(str),
            "platform": g["platform"].astype(str),
            "date": iso.astype(str),
            "meta_score": g["meta_score"].astype(float),
            "esrb_rating": g["esrb_rating"],
            "developers": [format_developers(list(d)) for d in g["developers"]],
            "genres": [format_genres(list(x)) for x in g["genres"]],
        }
    )[BATCH_COLUMNS]
