"""``scoring``: one day's ``batch_input`` + ``model`` -> predictions, features, quarantine, summary.

``kedro run --pipelines scoring --params run_date=YYYY-MM-DD``
"""

from kedro.pipeline import Node, Pipeline

from user_score.quality.nodes import profile_batch_input, report_quality

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
    model has been loaded and every valid row scored, and the quarantine only
    after that node: a broken file or a missing or invalid model leaves no
    predictions, features or quarantine for the day. Predictions and features
    are written as run_date's file (``@csv``, ``@parquet``); monitoring reads
    every day's files of the same datasets (``@partitions``), so Kedro orders
    scoring before monitoring.
    """
    return Pipeline(
        [
            Node(
                func=validate_batch_input,
                inputs=["batch_input", "params:run_date"],
                outputs=["scoring_valid_rows", "scoring_rejected_rows", "scoring_intake"],
                name="validate_batch_input",
            ),
            Node(
                func=build_scoring_quarantine,
                inputs=["scoring_rejected_rows", "scoring_model_report"],
                outputs="scoring_quarantine",
                name="build_scoring_quarantine",
            ),
            Node(
                func=build_scoring_features,
                inputs="scoring_valid_rows",
                outputs="scoring_features",
                name="build_scoring_features",
            ),
            Node(
                func=predict_batch,
                inputs=["scoring_features", "model", "params:run_date", "params:scoring"],
                outputs=["predictions@csv", "scored_features@parquet", "scoring_model_report"],
                name="predict_batch",
            ),
            Node(
                func=summarise_scoring,
                inputs=["scoring_intake", "scoring_rejected_rows", "scoring_model_report"],
                outputs="scoring_summary",
                name="summarise_scoring",
            ),
            # Data-quality report of the day's batch (user_score.quality; issue 17).
            Node(
                func=profile_batch_input,
                inputs=[
                    "scoring_valid_rows",
                    "scoring_rejected_rows",
                    "scoring_intake",
                    "batch_input_quality_history",
                    "params:scoring.quality",
                ],
                outputs="batch_input_quality_profile",
                name="profile_batch_input",
            ),
            Node(
                func=report_quality,
                inputs="batch_input_quality_profile",
                outputs=["batch_input_quality_report", "batch_input_quality_columns"],
                name="report_batch_input_quality",
            ),
        ],
        tags="scoring",
    )
