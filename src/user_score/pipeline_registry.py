"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines, pipelines
from kedro.pipeline import Pipeline

#: Pipelines run on their own only, never in ``__default__``: ``scoring_dask`` is
#: ``scoring`` on a Dask cluster, ``scoring_chunked`` is ``scoring`` block by block;
#: ``rollback`` replaces the current model with a
#: registered version (needs the tracking extra).
NOT_IN_DEFAULT = frozenset({"scoring_dask", "scoring_chunked", "rollback"})


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Every package under ``user_score/pipelines`` is found by ``find_pipelines``
    and registered under its own name (``kedro run --pipelines <name>``).
    ``training`` also runs monitoring's reference nodes, so one training run
    saves the model and what monitoring compares against (``reference_profile``,
    ``performance_estimator``).

    ``rollback`` (docs/runbook.md) is run on its own only, never by default.

    ``__default__`` is the whole loop, offline on the demo data (without
    ``scoring_dask``, the same day's scoring on a Dask cluster, and
    ``scoring_chunked``, the same day read and written in blocks: they write what
    ``scoring`` writes; ``kedro run --env dask --pipelines scoring_dask``,
    ``kedro run --pipelines scoring_chunked``). Kedro orders
    nodes only by the datasets they share, and every step hands the next one a
    dataset: data_engineering -> training (``model_input_table``), training ->
    scoring (``model``), simulation -> scoring (``batch_input``, run_date's
    batch written through the very dataset scoring reads), simulation ->
    monitoring (``actuals``) and scoring -> monitoring (``predictions``,
    ``scored_features``: scoring writes run_date's file as ``@csv`` /
    ``@parquet``, monitoring lists every day's as ``@partitions``, so the
    listing happens after run_date's files exist).

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    found = _find_pipelines()
    if "training" in found:
        # Imported only here: `kedro run --pipelines scoring` then imports no monitoring
        # code (Kedro 1.7 imports only the packages of the pipelines a run asks for).
        from user_score.pipelines.monitoring import create_reference_pipeline

        found["training"] += create_reference_pipeline()
    found["__default__"] = sum(
        (pipeline for name, pipeline in found.items() if name not in NOT_IN_DEFAULT),
        Pipeline([]),
    )
    return found


def _find_pipelines() -> dict[str, Pipeline]:
    """Every pipeline package; one that fails to import fails loudly.

    Kedro 1.7 finds only the pipelines a run asks for (``--pipelines monitoring``)
    and raises the same ``ImportError`` for a package that fails to import (with
    the import's error as its cause) and for a name that is no package at all (a
    typo: no cause). For a typo, every pipeline is found instead, so that
    ``kedro run`` answers with Kedro's own "Did you mean ...?".
    """
    try:
        return find_pipelines(raise_errors=True)
    except ImportError as error:
        if error.__cause__ is not None:
            raise
    pipelines.set_requested(None)
    return find_pipelines(raise_errors=True)
