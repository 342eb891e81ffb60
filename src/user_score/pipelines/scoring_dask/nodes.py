"""The node of ``scoring_dask``: one day scored partition by partition on a Dask cluster.

The day (``batch_input`` of the ``dask`` environment: a ``dask.dataframe``,
one partition per block of the file) is scored by the ``scoring`` pipeline's
own node functions, run on the workers partition by partition
(:func:`score_partition`): ``validate_batch_input`` -> ``build_scoring_features``
-> ``predict_batch`` -> ``build_scoring_quarantine``. What a partition alone
cannot know comes from the whole day first:

* ``source_row`` (the row's place in the file): each partition's first row
  number, from the partition lengths;
* ``id: unique`` (an id that occurs twice anywhere in the day quarantines every
  copy): the day's duplicated ids, counted by Dask across partitions, are
  sent to every worker;
* the day's ``meta_score_scale_suspect`` rule: merged from per-partition facts.

The model artifact is sent to each worker once (``client.scatter(...,
broadcast=True)``); each partition's task uses the worker's copy.

The outputs are gathered in file order and returned as the same pandas
frames the ``scoring`` pipeline returns, so they are written by the same
catalog entries, to the same files (``predictions@csv``,
``scored_features@parquet``, ``scoring_quarantine``, ``scoring_summary``), and
monitoring reads them unchanged. The driver therefore holds the day's
outputs (not its input, nor the model's working memory).

``dask`` and ``distributed`` are imported only when the node runs: the default
install has neither (``pip install "user_score[dask]"``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import accumulate
from typing import Any

import pandas as pd

from user_score.contracts import BatchInput
from user_score.params import RunDate
from user_score.pipelines.scoring.params import ScoringParams
from user_score.pipelines.scoring.partitions import DayTally, score_part

from .params import DaskParams

logger = logging.getLogger(__name__)


@contextmanager
def dask_client(params: DaskParams) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler_address``, else the current one, else a
    ``LocalCluster`` of ``n_workers`` (closed again when the day is scored)."""
    from distributed import Client, LocalCluster, default_client

    if params.scheduler_address:
        with Client(params.scheduler_address) as client:
            yield client
        return
    try:
        current = default_client()
    except ValueError:
        current = None
    if current is not None:
        yield current
        return
    with (
        LocalCluster(
            n_workers=params.n_workers,
            threads_per_worker=params.threads_per_worker,
            processes=params.processes,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def score_day_on_dask(
    batch_input: Any,
    model: Any,
    run_date: RunDate,
    params: ScoringParams,
    dask_params: DaskParams,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Score one day held as a ``dask.dataframe`` on a Dask cluster.

    Args:
        batch_input: The day, every column as text, one partition per block
            (``user_score.datasets.dask_csv.FieldCountDaskCSVDataset``).
        model: The ``model`` artifact.
        run_date: ``params:run_date``.
        params: ``params:scoring`` (``chunk_size`` rows per model call in a partition).
        dask_params: ``params:scoring_dask`` (the cluster).

    Returns:
        ``(predictions, scored_features, scoring_quarantine, scoring_summary)``,
        equal to what the ``scoring`` pipeline writes for the same file.

    Raises:
        TypeError: If ``batch_input`` is not a Dask DataFrame (run with ``--env dask``).
        ValueError: As ``summarise_scoring`` (a row lost or an id scored twice).
    """
    import dask.dataframe as dd

    if not isinstance(batch_input, dd.DataFrame):
        raise TypeError(
            f"scoring_dask needs batch_input as a dask DataFrame, not a "
            f"{type(batch_input).__name__}: run it with the dask environment "
            "(kedro run --env dask --pipelines scoring_dask)."
        )
    with dask_client(dask_params) as client:
        logger.info("scoring %s on %s in %d partitions", run_date, client, batch_input.npartitions)
        parts = client.compute(batch_input.to_delayed())  # the day, held by the workers
        lengths = client.gather(client.map(len, parts))
        day = dd.from_delayed(parts, meta=batch_input._meta, verify_meta=False)
        duplicated = _duplicated_ids(day)
        shared_model, shared_ids = client.scatter([model, duplicated], broadcast=True, hash=False)
        offsets = [0, *accumulate(lengths[:-1])]  # each partition's first file row
        scored = [
            client.submit(
                score_partition,
                part,
                offset,
                shared_ids,
                shared_model,
                run_date,
                params,
            )
            for part, offset in zip(parts, offsets, strict=True)
        ]
        results = [future.result() for future in scored]
    return _assemble(results, run_date)


def _duplicated_ids(day: Any) -> pd.Index:
    """The ids found more than once in the whole day (counted across partitions)."""
    counts = day["id"].dropna().value_counts(split_out=max(1, day.npartitions // 8))
    return pd.Index(counts[counts > 1].index.compute(), dtype=object)


def score_partition(
    part: pd.DataFrame,
    offset: int,
    duplicated_ids: pd.Index,
    model: Any,
    run_date: RunDate,
    params: ScoringParams,
) -> dict[str, Any]:
    """One partition (on a worker): its file contract, then
    :func:`~user_score.pipelines.scoring.partitions.score_part`."""
    BatchInput.validate(part, lazy=True)  # the file contract (column rules) on these rows
    return score_part(part, offset, duplicated_ids, model, run_date, params)


def _assemble(
    results: list[dict[str, Any]], run_date: RunDate
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The day's outputs from its partitions' (in file order), summarised by ``DayTally``."""
    tally = DayTally()
    for result in results:
        tally.add(result)
    predictions = _concat([result["predictions"] for result in results])
    scored_features = _concat([result["scored_features"] for result in results])
    quarantine = _concat([result["quarantine"] for result in results])
    summary = tally.summary(run_date)
    logger.info("scored %s on Dask: %d partitions", run_date, len(results))
    return predictions, scored_features, quarantine, summary


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Partitions' frames in order; empty ones only count when all are (their dtypes)."""
    filled = [frame for frame in frames if len(frame)] or frames[:1]
    return pd.concat(filled, ignore_index=True)
