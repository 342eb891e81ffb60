"""Nodes that profile the files users hand in: the raw catalog and each scoring day.

``data_engineering`` runs :func:`profile_raw_games` and :func:`report_quality`;
``scoring`` runs :func:`profile_batch_input` and :func:`report_quality`. The
previous profile arrives through its own catalog entry (a partitioned
dataset over the profiles' folder, empty on the first run), because a
dataset cannot be both an input and an output of one pipeline.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from user_score.contracts import BATCH_COLUMNS, BatchInputRow, RawGameRow
from user_score.datasets import FIELD_COUNT_ERROR
from user_score.features import normalise_platform, parse_names

from .params import QualityParams
from .profile import build_profile
from .report import columns_table, render_html
from .rules import rule_results

logger = logging.getLogger(__name__)

DAY = re.compile(r"dt=(\d{4}-\d{2}-\d{2})")
TITLES = {
    "raw_games": "Data quality: raw catalog",
    "batch_input": "Data quality: scoring day",
}


def previous_profile(
    partitions: dict[str, Callable[[], Any]], before: str | None = None
) -> dict[str, Any] | None:
    """The latest stored profile (for a scoring day: the latest day before ``before``).

    Args:
        partitions: Partition id -> loader, as a partitioned dataset loads
            (``profile`` or ``dt=YYYY-MM-DD/profile``); empty on a first run.
        before: Only days strictly before this ``YYYY-MM-DD`` qualify (a
            rerun of a day never compares with itself).

    Returns:
        The profile, or None when there is none or it cannot be read.
    """
    candidates: dict[str, Callable[[], Any]] = {}
    for key, load in partitions.items():
        day = DAY.search(key)
        if before is not None and (day is None or day.group(1) >= before):
            continue
        candidates[day.group(1) if day else key] = load
    if not candidates:
        return None
    latest = max(candidates)
    try:
        loaded = candidates[latest]()
    except Exception as exc:  # an unreadable old profile must not stop today's report
        logger.warning("previous quality profile %s is unreadable (%s): not compared", latest, exc)
        return None
    return loaded if isinstance(loaded, dict) else None


def _with_source_rows(frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame.reset_index(drop=True)
    return rows.assign(source_row=np.arange(len(rows), dtype="int64"))


def raw_catalog_repairs(raw: pd.DataFrame, example_rows: int) -> list[dict[str, Any]]:
    """Values data_engineering repairs in the rows it keeps (platform from link, company names).

    Args:
        raw: Raw rows kept by the contract (with ``source_row``).
        example_rows: Row numbers listed per repair.
    """
    platform = normalise_platform(raw["platform"], raw["link"])["platform_repaired"].to_numpy()
    plain = parse_names(raw["developers"], repair_fragments=False)
    rejoined = parse_names(raw["developers"], repair_fragments=True)
    suffix = np.array([a != b for a, b in zip(plain, rejoined, strict=True)], dtype=bool)
    rows = raw["source_row"].to_numpy()
    return [
        {
            "column": column,
            "action": action,
            "rows": int(mask.sum()),
            "example_rows": [int(r) for r in np.sort(rows[mask])[:example_rows]],
        }
        for column, action, mask in (
            ("platform", "unreadable platform taken from the link slug", platform),
            ("developers", "company suffix ('Ltd.', 'Inc.') rejoined to its name", suffix),
        )
    ]


def profile_raw_games(
    raw_games: pd.DataFrame,
    raw_games_intake: dict[str, int],
    games_quarantine: pd.DataFrame,
    previous_profiles: dict[str, Callable[[], Any]],
    params: QualityParams,
) -> dict[str, Any]:
    """Profile the raw catalog of this run and compare it with the previous run's.

    Args:
        raw_games: The raw catalog, every column as text.
        raw_games_intake: ``rows_in`` and ``duplicates_removed`` from ``split_raw_games``.
        games_quarantine: Rejected rows with ``source_row`` and ``reason``.
        previous_profiles: The stored raw-catalog profile, if any (partitioned dataset).
        params: ``params:data_engineering.quality``.
    """
    params = QualityParams.model_validate(params)
    # the field-count marker of the raw dataset is not a column of the file
    raw_games = raw_games.drop(columns=[FIELD_COUNT_ERROR], errors="ignore")
    raw = _with_source_rows(raw_games)
    columns = [str(column) for column in raw_games.columns]
    removed = int(raw_games_intake["duplicates_removed"])
    contract = rule_results(
        RawGameRow,
        games_quarantine,
        rows_checked=int(raw_games_intake["rows_in"]) - removed,
        example_rows=params.example_rows,
        not_checked=f"{removed:,} exact duplicate row(s) were removed before the contract."
        if removed
        else None,
    )
    kept = ~raw.duplicated(subset=columns) & ~raw["source_row"].isin(
        pd.to_numeric(games_quarantine["source_row"])
    )
    profile = build_profile(
        [raw],
        columns,
        dataset="raw_games",
        contract=contract,
        params=params,
        previous=previous_profile(previous_profiles),
        target="user_score" if "user_score" in columns else None,
        key=("link", "the most complete row of the game is kept, the others quarantined", True),
        exact_duplicate_action="removed (the first copy is kept)",
        repairs=raw_catalog_repairs(raw.loc[kept], params.example_rows),
    )
    logger.info(
        "raw_games quality: %s, %d rows, %d finding(s); %s",
        profile["status"],
        profile["rows"],
        len(profile["findings"]),
        profile["comparison"]["summary"],
    )
    return profile


def profile_batch_input(
    scoring_valid_rows: pd.DataFrame,
    scoring_rejected_rows: pd.DataFrame,
    scoring_intake: dict[str, Any],
    previous_profiles: dict[str, Callable[[], Any]],
    params: QualityParams,
) -> dict[str, Any]:
    """Profile one scoring day from the rows validation split, and compare it with the last day's.

    The valid and rejected rows together are every row of the day's file
    (with ``source_row``), so the file is neither read nor copied again.

    Args:
        scoring_valid_rows: Rows that passed ``BatchInputRow``.
        scoring_rejected_rows: Rows that failed it, with ``reason``.
        scoring_intake: ``run_date``, ``rows_in`` and ``ignored_columns``.
        previous_profiles: Stored daily profiles (partitioned dataset, ``dt=`` folders).
        params: ``params:scoring.quality``.
    """
    params = QualityParams.model_validate(params)
    run_date = str(scoring_intake["run_date"])
    contract = rule_results(
        BatchInputRow,
        scoring_rejected_rows,
        rows_checked=int(scoring_intake["rows_in"]),
        example_rows=params.example_rows,
    )
    profile = build_profile(
        [scoring_valid_rows, scoring_rejected_rows],
        list(BATCH_COLUMNS),
        dataset="batch_input",
        contract=contract,
        params=params,
        previous=previous_profile(previous_profiles, before=run_date),
        run_date=run_date,
        key=("id", "every copy is quarantined (id: unique)", False),
        exact_duplicate_action="quarantined with every copy of its id (id: unique)",
        ignored_columns=[str(c) for c in scoring_intake.get("ignored_columns", [])],
    )
    logger.info(
        "batch_input %s quality: %s, %d rows, %d finding(s); %s",
        run_date,
        profile["status"],
        profile["rows"],
        len(profile["findings"]),
        profile["comparison"]["summary"],
    )
    return profile


def report_quality(profile: dict[str, Any]) -> tuple[str, pd.DataFrame]:
    """The profile as a self-contained HTML page and a one-row-per-column table."""
    title = TITLES.get(profile["dataset"], f"Data quality: {profile['dataset']}")
    return render_html(profile, title), columns_table(profile)
