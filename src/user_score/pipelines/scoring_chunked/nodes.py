"""Nodes of ``scoring_chunked``: the day's ids, then the day block by block, then its summary.

Each block goes through :func:`~user_score.pipelines.scoring.partitions.score_part`
(the ``scoring`` node functions); the day-wide rules come from a first pass
over the ids and from :class:`~user_score.pipelines.scoring.partitions.DayTally`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from user_score.params import RunDate
from user_score.pipelines.scoring.params import ScoringParams
from user_score.pipelines.scoring.partitions import DayTally, id_hashes, repeated, score_part

logger = logging.getLogger(__name__)


def find_duplicated_ids(batch_input_blocks: Iterable[pd.DataFrame]) -> pd.Index:
    """The ids found more than once in the whole day, read block by block.

    Every id is kept as a 64-bit hash (8 bytes a row). Only if two hashes are
    equal is the day read again, for the ids behind them, so the result is
    exact (two different ids with one hash are not taken for a duplicate).

    Args:
        batch_input_blocks: The day's blocks (``batch_input_blocks``), each under
            the file contract.

    Returns:
        The duplicated ids (empty on a day without any).
    """
    hashes = [id_hashes(block["id"]) for block in batch_input_blocks]
    every = np.concatenate(hashes) if hashes else np.empty(0, np.uint64)
    del hashes
    suspects = repeated(every)
    del every
    if not len(suspects):
        return pd.Index([], dtype=object)
    candidates = pd.concat(
        [
            ids[np.isin(id_hashes(ids), suspects)]
            for ids in (block["id"].dropna() for block in batch_input_blocks)
        ]
    )
    counts = candidates.value_counts()
    duplicated = pd.Index(counts.index[counts > 1], dtype=object)
    logger.info("the day has %d duplicated ids (every copy is quarantined)", len(duplicated))
    return duplicated


def score_day_in_chunks(
    batch_input_blocks: Iterable[pd.DataFrame],
    duplicated_ids: pd.Index,
    model: Any,
    run_date: RunDate,
    params: ScoringParams,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, DayTally]]:
    """Score the day one block at a time (a generator: Kedro saves each block as it comes).

    Args:
        batch_input_blocks: The day's blocks in file order.
        duplicated_ids: Output of :func:`find_duplicated_ids`.
        model: The ``model`` artifact.
        run_date: ``params:run_date``.
        params: ``params:scoring`` (``chunk_size`` rows per model call).

    Yields:
        Per block: its predictions, scored features and quarantine (the
        ``scoring`` pipeline's rows for those file rows, in file order), and
        the day's :class:`DayTally` so far (the last one is the day's). A
        block's frames are emptied once the next block is asked for (Kedro
        has saved them by then): keep a copy to hold on to one.
    """
    tally = DayTally()
    offset = 0
    for block in batch_input_blocks:
        result = score_part(block, offset, duplicated_ids, model, run_date, params)
        offset += len(block)
        del block  # the next block is read only after this one's outputs are dropped
        tally.add(result)
        outputs = (
            result.pop("predictions"),
            result.pop("scored_features"),
            result.pop("quarantine"),
        )
        yield (*outputs, tally)
        # Resumed: Kedro has saved every output of this block. Its generator plumbing
        # (more_itertools.unzip -> itertools.tee) keeps the yielded tuples alive in blocks
        # of 57, so the frames are emptied here; else a day's outputs pile up in memory.
        _empty(outputs)
        del result, outputs
    logger.info("scored %s in %d blocks (%d rows)", run_date, tally.parts, tally.rows_in)


def _empty(frames: Iterable[pd.DataFrame]) -> None:
    """Drop every row of ``frames`` in place (their memory is freed; the objects stay)."""
    for frame in frames:
        frame.drop(index=frame.index, inplace=True)


def summarise_chunked_scoring(tally: DayTally, run_date: RunDate) -> dict[str, Any]:
    """The day's ``scoring_summary`` from its tally (the ``scoring`` pipeline's checks).

    Raises:
        ValueError: If a row was lost or an id scored twice (as ``summarise_scoring``).
    """
    return tally.summary(run_date)
