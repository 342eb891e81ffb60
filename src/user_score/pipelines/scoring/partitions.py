"""A day scored in parts: one part through the ``scoring`` nodes, and the day's tally.

The two paths that never hold a whole day, ``scoring_chunked`` (one process,
block by block) and ``scoring_dask`` (a partition per worker task), score each
part with :func:`score_part`, the ``scoring`` pipeline's own node functions
(``validate_batch_input`` -> ``build_scoring_features`` -> ``predict_batch`` ->
``build_scoring_quarantine``). What one part alone cannot know comes from the
whole day first:

* ``source_row`` (the row's place in the file): the part's first row number;
* ``id: unique`` (an id found twice anywhere in the day quarantines every
  copy): the day's duplicated ids, found before any part is scored;
* the day's ``meta_score_scale_suspect`` rule and the summary's counts:
  merged from every part's facts by :class:`DayTally`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from user_score.contracts.quarantine import join_reasons
from user_score.params import RunDate

from .nodes import (
    build_scoring_features,
    build_scoring_quarantine,
    build_scoring_summary,
    predict_batch,
    quarantine_reason_counts,
    validate_batch_input,
)
from .params import ScoringParams

#: The row contract's reason for an id found more than once in the day.
ID_UNIQUE = "id: unique"


def id_hashes(ids: pd.Series) -> np.ndarray:
    """A 64-bit hash of each non-null id (pandas' ``hash_array``; equal ids, equal hashes)."""
    values = ids.dropna().to_numpy(dtype=object)
    return pd.util.hash_array(values) if len(values) else np.empty(0, dtype=np.uint64)


def repeated(hashes: np.ndarray) -> np.ndarray:
    """The distinct values found more than once in ``hashes`` (sorted in place: no copy)."""
    hashes.sort()
    return np.unique(hashes[1:][hashes[1:] == hashes[:-1]])


def score_part(
    part: pd.DataFrame,
    offset: int,
    duplicated_ids: pd.Index,
    model: Any,
    run_date: RunDate,
    params: ScoringParams,
) -> dict[str, Any]:
    """One part of the day through the ``scoring`` node functions.

    Args:
        part: The part's rows, as ``batch_input`` loads them (file contract checked).
        offset: The file row number of its first row.
        duplicated_ids: Ids found more than once in the whole day.
        model, run_date, params: As the ``scoring`` nodes take them.

    Returns:
        The part's ``predictions``, ``scored_features``, ``quarantine``, and
        the facts :class:`DayTally` merges (``rows_in``, ``ignored_columns``,
        ``meta_numbers``, ``meta_ten_point``, ``unseen_categories``, ``model_version``).
    """
    valid, rejected, intake = validate_batch_input(part, run_date)
    valid, rejected = quarantine_day_duplicates(valid, rejected, duplicated_ids)
    valid["source_row"] += offset
    rejected["source_row"] += offset
    features = build_scoring_features(valid)
    predictions, scored_features, report = predict_batch(features, model, run_date, params)
    meta = pd.to_numeric(part["meta_score"].dropna(), errors="coerce").dropna()
    return {
        "predictions": predictions,
        "scored_features": scored_features,
        "quarantine": build_scoring_quarantine(rejected, report),
        "rows_in": intake["rows_in"],
        "ignored_columns": intake["ignored_columns"],
        "meta_numbers": len(meta),
        "meta_ten_point": intake["meta_score_scale_suspect"],  # the part's own rule
        "unseen_categories": report["unseen_categories"],
        "model_version": report["model_version"],
    }


def quarantine_day_duplicates(
    valid: pd.DataFrame, rejected: pd.DataFrame, duplicated_ids: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply ``id: unique`` across the day to one part's split.

    A valid row whose id occurs elsewhere in the day is rejected with
    ``id: unique``; a rejected one gets ``id: unique`` added to its reasons by
    the row contract's own rule (:func:`~user_score.contracts.quarantine.join_reasons`:
    sorted, ``'; '``-joined, a structural ``row: field_count`` alone).
    """
    move = valid["id"].isin(duplicated_ids).to_numpy()
    moved = valid.loc[move].reindex(columns=rejected.columns).astype(rejected.dtypes.to_dict())
    moved["reason"] = ID_UNIQUE
    flagged = rejected["id"].isin(duplicated_ids)
    rejected = rejected.copy()
    rejected.loc[flagged, "reason"] = [
        join_reasons([*reason.split("; "), ID_UNIQUE]) for reason in rejected.loc[flagged, "reason"]
    ]
    if move.any():
        parts = [frame for frame in (rejected, moved) if len(frame)]
        rejected = pd.concat(parts).sort_values("source_row", kind="stable")
    return valid.loc[~move].copy(), rejected


@dataclass
class DayTally:
    """What the day's ``scoring_summary`` needs, merged part by part (no rows held).

    ``add`` takes a :func:`score_part` result; the scored ids are kept as
    64-bit hashes (8 bytes a row), so an id scored twice across parts is still
    found (:attr:`ids_scored_twice`).
    """

    model_version: str | None = None
    rows_in: int = 0
    rows_scored: int = 0
    rows_quarantined: int = 0
    parts: int = 0
    ignored_columns: list[str] | None = None
    meta_parts_with_numbers: int = 0
    meta_all_ten_point: bool = True
    reasons: Counter = field(default_factory=Counter)
    unseen: Counter = field(default_factory=Counter)
    scored_id_hashes: list[np.ndarray] = field(default_factory=list)

    def add(self, result: dict[str, Any]) -> None:
        """Count one part's rows, reasons, unseen categories and meta_score facts."""
        self.parts += 1
        self.model_version = str(result["model_version"])
        self.rows_in += int(result["rows_in"])
        self.rows_scored += len(result["predictions"])
        self.rows_quarantined += len(result["quarantine"])
        if self.ignored_columns is None:
            self.ignored_columns = list(result["ignored_columns"])
        if result["meta_numbers"]:
            self.meta_parts_with_numbers += 1
            self.meta_all_ten_point &= bool(result["meta_ten_point"])
        self.reasons.update(quarantine_reason_counts(result["quarantine"]))
        self.unseen.update({k: int(v) for k, v in result["unseen_categories"].items()})
        self.scored_id_hashes.append(id_hashes(result["predictions"]["id"]))

    @property
    def ids_scored_twice(self) -> int:
        """How many distinct ids were scored more than once (0 unless something is wrong)."""
        if not self.scored_id_hashes:
            return 0
        if len(self.scored_id_hashes) > 1:  # one array, the parts' freed (8 bytes a row)
            self.scored_id_hashes = [np.concatenate(self.scored_id_hashes)]
        return len(repeated(self.scored_id_hashes[0]))  # (the order of hashes is not kept)

    def summary(self, run_date: RunDate) -> dict[str, Any]:
        """The day's ``scoring_summary``, through ``build_scoring_summary`` (its checks too)."""
        intake = {
            "run_date": run_date.iso,
            "rows_in": self.rows_in,
            "ignored_columns": self.ignored_columns or [],
            "meta_score_scale_suspect": self.meta_parts_with_numbers > 0
            and self.meta_all_ten_point,
        }
        report = {
            "model_version": self.model_version,
            "unseen_categories": dict(self.unseen),
            "rows_scored": self.rows_scored,
            "ids_scored_twice": self.ids_scored_twice,
        }
        return build_scoring_summary(intake, dict(self.reasons), self.rows_quarantined, report)
