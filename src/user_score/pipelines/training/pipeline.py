"""``training``: model_input_table -> evaluated candidates -> one versioned model + reports.

The pipeline registry adds monitoring's reference nodes to the registered
``training`` pipeline, so one training run also saves what monitoring compares
against.

A modular pipeline (namespace ``training``, one box in kedro-viz): its
in-memory hand-offs are ``training.*`` datasets; the model, the evaluation
predictions and the reports keep their public names (:data:`OUTPUTS`).
"""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    evaluate_grouped_cv,
    evaluate_random_holdout,
    evaluate_time_backtest,
    select_model,
    select_training_rows,
    train_model,
)
from .reporting import (
    build_training_metrics,
    compute_feature_drivers,
    plot_feature_drivers,
    plot_predicted_vs_actual,
    plot_residuals,
    render_model_card,
)

#: What training saves: the model, the predictions of every protocol, the reports.
OUTPUTS = {
    "model",
    "oof_predictions",
    "cv_predictions",
    "holdout_predictions",
    "backtest_predictions",
    "training_metrics",
    "feature_drivers",
    "predicted_vs_actual_plot",
    "residuals_plot",
    "feature_drivers_plot",
    "model_card",
}


def create_pipeline(**kwargs) -> Pipeline:
    """Create the training pipeline."""
    nodes = Pipeline(
        [
            Node(
                select_training_rows,
                ["model_input_table", "params:training"],
                "training_rows",
                name="select_training_rows",
            ),
            Node(
                evaluate_grouped_cv,
                ["training_rows", "params:training"],
                ["cv_results", "cv_predictions"],
                name="evaluate_grouped_cv",
            ),
            Node(
                select_model,
                ["cv_results", "cv_predictions", "params:training"],
                ["model_selection", "oof_predictions"],
                name="select_model",
            ),
            Node(
                evaluate_random_holdout,
                ["training_rows", "model_selection", "params:training"],
                ["holdout_results", "holdout_predictions"],
                name="evaluate_random_holdout",
            ),
            Node(
                evaluate_time_backtest,
                ["training_rows", "params:training"],
                ["backtest_results", "backtest_predictions"],
                name="evaluate_time_backtest",
            ),
            Node(
                train_model,
                [
                    "training_rows",
                    "oof_predictions",
                    "model_selection",
                    "cv_results",
                    "params:training",
                ],
                "model",
                name="train_model",
            ),
            Node(
                compute_feature_drivers,
                ["model", "training_rows"],
                "feature_drivers",
                name="compute_feature_drivers",
            ),
            Node(
                build_training_metrics,
                [
                    "cv_results",
                    "holdout_results",
                    "backtest_results",
                    "model_selection",
                    "model",
                    "params:training",
                ],
                "training_metrics",
                name="build_training_metrics",
            ),
            Node(
                plot_predicted_vs_actual,
                ["oof_predictions", "training_rows"],
                "predicted_vs_actual_plot",
                name="plot_predicted_vs_actual",
            ),
            Node(
                plot_residuals,
                ["oof_predictions", "training_rows"],
                "residuals_plot",
                name="plot_residuals",
            ),
            Node(
                plot_feature_drivers,
                "feature_drivers",
                "feature_drivers_plot",
                name="plot_feature_drivers",
            ),
            Node(
                render_model_card,
                ["training_metrics", "feature_drivers", "model_input_table"],
                "model_card",
                name="render_model_card",
            ),
        ],
        tags="training",
    )
    return Pipeline(
        nodes,
        namespace="training",
        inputs="model_input_table",
        outputs=OUTPUTS,
        parameters={"params:training"},
    )
