"""``data_engineering``: raw catalog -> clean games + quarantine -> model input table.

A modular pipeline (namespace ``data_engineering``, which kedro-viz draws as
one box): its hand-offs are ``data_engineering.*`` datasets; what it reads and
writes for the other pipelines and for people keeps its public name. The raw
catalog's data-quality report (``profile_raw_games``, ``report_raw_games_quality``)
sits beside the box.
"""

from kedro.pipeline import Node, Pipeline

from user_score.quality.nodes import profile_raw_games, report_quality

from .nodes import (
    build_quarantine,
    clean_games,
    create_model_input_table,
    split_raw_games,
    summarise_data_engineering,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Create the data_engineering pipeline."""
    nodes = Pipeline(
        [
            Node(
                func=split_raw_games,
                inputs="raw_games",
                outputs=["raw_games_valid", "raw_games_rejected", "raw_games_intake"],
                name="split_raw_games",
            ),
            Node(
                func=clean_games,
                inputs="raw_games_valid",
                outputs=["games_clean", "raw_games_duplicate_ids"],
                name="clean_games",
            ),
            Node(
                func=build_quarantine,
                inputs=["raw_games_rejected", "raw_games_duplicate_ids"],
                outputs="games_quarantine",
                name="build_quarantine",
            ),
            Node(
                func=summarise_data_engineering,
                inputs=["raw_games_intake", "games_clean", "games_quarantine"],
                outputs="data_engineering_summary",
                name="summarise_data_engineering",
            ),
            Node(
                func=create_model_input_table,
                inputs="games_clean",
                outputs="model_input_table",
                name="create_model_input_table",
            ),
        ],
        tags="data_engineering",
    )
    return Pipeline(
        nodes,
        namespace="data_engineering",
        inputs="raw_games",
        outputs={
            "games_clean",
            "games_quarantine",
            "data_engineering_summary",
            "model_input_table",
            "raw_games_intake",  # read by the data-quality report beside the namespace
        },
    ) + Pipeline(
        [
            # Data-quality report of the raw catalog (user_score.quality; issue 17),
            # beside the namespace: it reads the previous report (reporting layer), which
            # inside the collapsed box would draw a reporting -> model_input edge.
            Node(
                func=profile_raw_games,
                inputs=[
                    "raw_games",
                    "raw_games_intake",
                    "games_quarantine",
                    "raw_games_quality_previous",
                    "params:data_engineering.quality",
                ],
                outputs="raw_games_quality_profile",
                name="profile_raw_games",
            ),
            Node(
                func=report_quality,
                inputs="raw_games_quality_profile",
                outputs=["raw_games_quality_report", "raw_games_quality_columns"],
                name="report_raw_games_quality",
            ),
        ],
        tags="data_engineering",
    )
