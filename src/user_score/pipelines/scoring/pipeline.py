"""``scoring``: one day's ``batch_input`` + ``model`` -> predictions, features, quarantine, summary.

``kedro run --pipelines scoring --params run_date=YYYY-MM-DD``

A modular pipeline (namespace ``scoring``, one box in kedro-viz): its
hand-offs are ``scoring.*`` datasets; its inputs and the files it writes keep
their public names.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_scoring_features,
    build_scoring_quarantine,
    predict_batch,
    summarise_scoring,
    validate_batch_input,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Create the scoring pipeline.

    ``predictions`` and ``scored_features`` are written by one node, after the
    model has been loaded and every valid row scored: a broken file or a
    missing model leaves no predictions (and no features) for the day. Both
    are written as run_date's file (``@csv``, ``@parquet``); monitoring reads
    every day's files of the same datasets (``@partitions``), so Kedro orders
    scoring before monitoring.
    """
    nodes = Pipeline(
        [
            Node(
                func=validate_batch_input,
                inputs=["batch_input", "params:scoring"],
                outputs=["valid_rows", "rejected_rows", "intake"],
                name="validate_batch_input",
            ),
            Node(
                func=build_scoring_quarantine,
                inputs="rejected_rows",
                outputs="scoring_quarantine",
                name="build_scoring_quarantine",
            ),
            Node(
                func=build_scoring_features,
                inputs="valid_rows",
                outputs="features",
                name="build_scoring_features",
            ),
            Node(
                func=predict_batch,
                inputs=["features", "model", "params:scoring"],
                outputs=["predictions@csv", "scored_features@parquet", "model_report"],
                name="predict_batch",
            ),
            Node(
                func=summarise_scoring,
                inputs=["intake", "rejected_rows", "model_report"],
                outputs="scoring_summary",
                name="summarise_scoring",
            ),
        ],
        tags="scoring",
    )
    return Pipeline(
        nodes,
        namespace="scoring",
        inputs={"batch_input", "model"},
        outputs={
            "predictions@csv",
            "scored_features@parquet",
            "scoring_quarantine",
            "scoring_summary",
        },
        parameters={"params:scoring"},
    )
