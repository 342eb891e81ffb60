"""Nodes of the ``data_engineering`` pipeline.

raw catalog -> exact duplicates removed -> row contract (quarantine) ->
typed ``games_clean`` (one row per game) -> ``model_input_table``.
Every raw row ends in exactly one of: clean, quarantined, duplicate removed.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from user_score.contracts import RAW_COLUMNS, GamesClean, RawGameRow, split_by_contract
from user_score.contracts.checks import is_ten_point_scale
from user_score.features import build_features, parse_raw_games, parse_release_dates, stable_hash

logger = logging.getLogger(__name__)

DUPLICATE_GAME_REASON = "link: duplicate_game_id (a more complete row of this game was kept)"


def split_raw_games(
    raw_games: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Remove exact duplicate rows and quarantine rows that break ``RawGameRow``.

    Args:
        raw_games: The raw catalog, every column as text (validated by ``RawGames``).

    Returns:
        ``(valid_rows, rejected_rows, intake)``: rows passing the row contract
        (raw columns plus ``source_row``), rejected rows unchanged with
        ``source_row`` and ``reason``, and ``{"rows_in", "duplicates_removed",
        "meta_score_scale_suspect"}`` (every meta_score within 0-10: a 0-10 scale?).
    """
    raw = raw_games.reset_index(drop=True)
    raw.insert(0, "source_row", range(len(raw)))
    duplicated = raw.duplicated(subset=list(raw_games.columns), keep="first")
    exact_duplicates = int(duplicated.sum())
    valid, rejected = split_by_contract(raw.loc[~duplicated], RawGameRow)
    logger.info(
        "raw_games: %d rows, %d exact duplicates, %d rejected by the row contract",
        len(raw),
        exact_duplicates,
        len(rejected),
    )
    suspect = is_ten_point_scale(raw["meta_score"])
    if suspect:
        logger.warning(
            "raw_games: every meta_score is within 0-10: a 0-10 scale? meta_score is 0-100 "
            "(the rows are kept; data_engineering_summary.meta_score_scale_suspect is true)"
        )
    return (
        valid,
        rejected,
        {
            "rows_in": len(raw),
            "duplicates_removed": exact_duplicates,
            "meta_score_scale_suspect": suspect,
        },
    )


def _completeness(frame: pd.DataFrame) -> pd.Series:
    """Number of informative cells per raw row (used to pick among duplicates)."""
    scores = frame[["meta_score", "user_score", "esrb_rating"]].notna().sum(axis=1)
    has_date = parse_release_dates(frame["date"])["release_date"].notna()
    return scores + has_date.astype(int)


def clean_games(valid_rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type the valid raw rows and keep one row per game.

    Dates are parsed (``TBA`` forms give a null date and ``date_tba``), lists
    are parsed with company suffixes rejoined, platforms canonicalised (scrape
    errors repaired from the link), and ``game_id`` derived from the link.
    When one link appears on several rows, the most complete row is kept and
    the others are returned for quarantine.

    Returns:
        ``(games_clean, duplicate_rows)``; duplicate rows are raw, with ``reason``.
    """
    rows = valid_rows.copy()
    rows["link"] = rows["link"].str.strip()
    rows["_completeness"] = _completeness(rows)
    order = rows.sort_values(["_completeness", "source_row"], ascending=[False, True])
    is_extra = order.duplicated(subset="link", keep="first")
    duplicates = valid_rows.loc[order.index[is_extra]].copy()
    duplicates["reason"] = DUPLICATE_GAME_REASON
    kept = order.loc[~is_extra].sort_values("source_row")

    typed = parse_raw_games(kept, link=kept["link"])
    games = pd.concat(
        [
            pd.DataFrame(
                {"game_id": kept["link"].map(stable_hash).astype(str), "link": kept["link"]},
                index=kept.index,
            ),
            typed,
            pd.to_numeric(kept["user_score"], errors="coerce").rename("user_score"),
        ],
        axis=1,
    )[list(GamesClean.to_schema().columns)].reset_index(drop=True)
    logger.info(
        "games_clean: %d games (%d platforms repaired, %d TBA), %d duplicate links quarantined",
        len(games),
        int(games["platform_repaired"].sum()),
        int(games["date_tba"].sum()),
        len(duplicates),
    )
    return games, duplicates


def build_quarantine(rejected_rows: pd.DataFrame, duplicate_rows: pd.DataFrame) -> pd.DataFrame:
    """Collect every rejected raw row, unchanged, with its ``source_row`` and ``reason``."""
    quarantine = pd.concat([rejected_rows, duplicate_rows], ignore_index=True)
    if quarantine.empty:
        quarantine = pd.DataFrame(columns=["source_row", *RAW_COLUMNS, "reason"])
    return quarantine.sort_values("source_row").reset_index(drop=True)


def summarise_data_engineering(
    intake: dict[str, Any], games_clean: pd.DataFrame, games_quarantine: pd.DataFrame
) -> dict[str, Any]:
    """Account for every raw row; fail loudly if the row invariant is broken.

    Returns:
        The ``data_engineering_summary`` JSON: rows in, clean, quarantined,
        duplicates removed, per-reason counts.

    Raises:
        ValueError: If ``rows_in != clean + quarantined + duplicates_removed``.
    """
    reasons = (
        games_quarantine["reason"].str.split("; ").explode().value_counts().sort_index()
        if len(games_quarantine)
        else pd.Series(dtype=int)
    )
    summary = {
        "rows_in": int(intake["rows_in"]),
        "rows_clean": len(games_clean),
        "rows_quarantined": len(games_quarantine),
        "duplicates_removed": int(intake["duplicates_removed"]),
        "quarantine_reasons": {str(k): int(v) for k, v in reasons.items()},
        "platforms_repaired": int(games_clean["platform_repaired"].sum()),
        "labelled_games": int(games_clean["user_score"].notna().sum()),
        "meta_score_scale_suspect": bool(intake["meta_score_scale_suspect"]),
    }
    accounted = summary["rows_clean"] + summary["rows_quarantined"] + summary["duplicates_removed"]
    summary["invariant_holds"] = accounted == summary["rows_in"]
    if not summary["invariant_holds"]:
        raise ValueError(
            f"data_engineering lost rows: rows_in={summary['rows_in']} but clean + "
            f"quarantined + duplicates = {accounted}"
        )
    logger.info("data_engineering_summary: %s", summary)
    return summary


def create_model_input_table(games_clean: pd.DataFrame) -> pd.DataFrame:
    """Join identifiers, stateless features and the target into the model input table.

    Features come from :func:`user_score.features.build_features`, the same
    function scoring uses; fitted encodings live in the model artifact.
    """
    features = build_features(games_clean)
    table = pd.concat(
        [
            games_clean[["game_id", "title", "release_date"]],
            features,
            games_clean[["user_score"]],
        ],
        axis=1,
    )
    table["is_labelled"] = table["user_score"].notna()
    logger.info(
        "model_input_table: %d games, %d labelled", len(table), int(table["is_labelled"].sum())
    )
    return table
