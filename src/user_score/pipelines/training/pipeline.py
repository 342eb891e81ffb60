"""``training``: model_input_table -> every candidate under every protocol -> one versioned model.

One node per evaluation protocol (``evaluate_<protocol>``), then the selection
rule, the interval calibration on the shift protocols, the final fit and the
reports (``training_metrics``, drivers, charts, ``model_card``). The pipeline
registry adds monitoring's reference nodes to the registered ``training``
pipeline, so one training run also saves what monitoring compares against.

A modular pipeline (namespace ``training``, one box in kedro-viz): its
in-memory hand-offs are ``training.*`` datasets; the model, every protocol's
predictions and the reports keep their public names (:data:`OUTPUTS`).
"""

from kedro.pipeline import Node, Pipeline

from .charts import (
    plot_feature_drivers,
    plot_predicted_vs_actual,
    plot_protocol_comparison,
    plot_residuals,
)
from .drivers import compute_feature_drivers
from .metrics import build_training_metrics
from .model_card import render_model_card
from .nodes import (
    calibrate_intervals,
    chosen_oof_predictions,
    protocol_node,
    select_model,
    select_training_rows,
    train_model,
)
from .params import PROTOCOL_LABELS

PARAMS = "params:training"

#: What training saves: the model, every protocol's predictions, the reports.
OUTPUTS: set[str] = {
    "model",
    "oof_predictions",
    *(f"protocol_{name}_predictions" for name in PROTOCOL_LABELS),
    "training_metrics",
    "feature_drivers",
    "predicted_vs_actual_plot",
    "residuals_plot",
    "feature_drivers_plot",
    "protocol_comparison_plot",
    "model_card",
}


def _per_protocol(kind: str) -> dict[str, str]:
    """``{protocol: "protocol_<protocol>_<kind>"}`` for every protocol (node keyword inputs)."""
    return {name: f"protocol_{name}_{kind}" for name in PROTOCOL_LABELS}


def create_pipeline(**kwargs) -> Pipeline:
    """Create the training pipeline."""
    results, predictions = _per_protocol("results"), _per_protocol("predictions")
    evaluate = [
        Node(
            protocol_node(name),
            ["training_rows", PARAMS],
            [results[name], predictions[name]],
            name=f"evaluate_{name}",
        )
        for name in PROTOCOL_LABELS
    ]
    nodes = Pipeline(
        [
            Node(
                select_training_rows,
                ["model_input_table", PARAMS],
                "training_rows",
                name="select_training_rows",
            ),
            *evaluate,
            Node(
                select_model,
                {"params": PARAMS, **results},
                "model_selection",
                name="select_model",
            ),
            Node(
                chosen_oof_predictions,
                ["model_selection", predictions["grouped_kfold"]],
                "oof_predictions",
                name="chosen_oof_predictions",
            ),
            Node(
                calibrate_intervals,
                {
                    "model_selection": "model_selection",
                    "training_rows": "training_rows",
                    "params": PARAMS,
                    **predictions,
                },
                ["interval_calibration", "interval_coverage"],
                name="calibrate_intervals",
            ),
            Node(
                train_model,
                {
                    "training_rows": "training_rows",
                    "model_selection": "model_selection",
                    "interval_calibration": "interval_calibration",
                    "params": PARAMS,
                    "run_started_at": "params:run_started_at",
                    **results,
                },
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
                {
                    "model_selection": "model_selection",
                    "interval_coverage": "interval_coverage",
                    "model": "model",
                    "params": PARAMS,
                    **results,
                },
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
                plot_protocol_comparison,
                "training_metrics",
                "protocol_comparison_plot",
                name="plot_protocol_comparison",
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
        parameters={PARAMS, "params:run_started_at"},
    )
