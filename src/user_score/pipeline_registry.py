"""Project pipelines."""

from __future__ import annotations

from typing import Any

from kedro.framework.project import find_pipelines
from kedro.pipeline import Node, Pipeline

from user_score.pipelines.monitoring.reference import create_reference_pipeline

#: Default run only. Monitoring reads whole folders (every day's predictions,
#: features, labels) through its own partition datasets, which no node of the
#: run produces, so Kedro would be free to run it first. Each of those inputs
#: is therefore handed over by a pass-through node that also takes the dataset
#: proving the folder is complete (``marker``): the partitions are listed only
#: after simulation and scoring have written run_date's files.
#: ``{monitoring input: (marker, hand-over dataset)}``
MONITORING_AFTER_THE_LOOP: dict[str, tuple[str, str]] = {
    "monitoring_actuals_partitions": ("actuals", "monitoring_actuals_partitions_after_simulation"),
    "monitoring_features_partitions": (
        "scored_features",
        "monitoring_features_partitions_after_scoring",
    ),
    "monitoring_predictions_partitions": (
        "scoring_model_report",
        "monitoring_predictions_partitions_after_scoring",
    ),
}


def hand_over(marker: Any, partitions: Any) -> Any:
    """Return ``partitions`` unchanged; ``marker`` only orders this node after its producer."""
    del marker
    return partitions


def monitoring_after_the_loop(monitoring: Pipeline) -> Pipeline:
    """``monitoring`` whose partition inputs are handed over after simulation and scoring."""
    used = {k: v for k, v in MONITORING_AFTER_THE_LOOP.items() if k in monitoring.inputs()}
    gates = [
        Node(
            func=hand_over,
            inputs=[marker, source],
            outputs=target,
            name=f"hand_over_{source}",
            tags="monitoring",
        )
        for source, (marker, target) in used.items()
    ]
    remapped = Pipeline(monitoring, inputs={k: target for k, (_, target) in used.items()})
    return Pipeline(gates) + remapped


def default_pipeline(pipelines: dict[str, Pipeline]) -> Pipeline:
    """The whole loop, offline on the demo data, in dependency order:
    data_engineering -> training -> simulation -> scoring (run_date) -> monitoring (run_date).

    Kedro orders nodes only by datasets. The edges that make this order are
    ``model_input_table`` (data_engineering -> training), ``model`` (training ->
    scoring), ``batch_input`` (simulation writes run_date's batch through the
    very dataset scoring reads) and the hand-over nodes of
    :data:`MONITORING_AFTER_THE_LOOP` (simulation, scoring -> monitoring).
    """
    default = Pipeline([])
    for name, pipeline in pipelines.items():
        default += monitoring_after_the_loop(pipeline) if name == "monitoring" else pipeline
    return default


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Every package under ``user_score/pipelines`` is found by ``find_pipelines``
    and registered under its own name (``kedro run --pipeline <name>``).

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects; ``__default__``
        runs them all (see :func:`default_pipeline`).
    """
    pipelines = find_pipelines(raise_errors=True)
    # A training run also saves what monitoring compares against (its reference).
    # (Kedro loads only the requested pipelines: `training` may be absent.)
    if "training" in pipelines:
        pipelines["training"] = pipelines["training"] + create_reference_pipeline()
    pipelines["__default__"] = default_pipeline(pipelines)
    return pipelines
