"""``monitoring``: drift, delayed-label performance, estimated performance, status, report.

``kedro run --pipelines monitoring --params run_date=YYYY-MM-DD[,fail_on=critical]``
"""

from kedro.pipeline import Node, Pipeline

from .history import history_row
from .nodes import compute_drift
from .performance import assess_performance
from .report import build_report
from .status import assess_status, enforce_fail_on
from .windows import select_features, select_labels, select_predictions


def create_pipeline(**kwargs) -> Pipeline:
    """Create the monitoring pipeline."""
    return Pipeline(
        [
            Node(
                func=select_predictions,
                inputs=["predictions@partitions", "params:run_date", "params:monitoring"],
                outputs="monitoring_predictions",
                name="select_monitoring_predictions",
            ),
            Node(
                func=select_features,
                inputs=["scored_features@partitions", "params:run_date", "params:monitoring"],
                outputs="monitoring_scored_features",
                name="select_monitoring_features",
            ),
            Node(
                func=select_labels,
                inputs=["actuals", "params:run_date", "params:monitoring"],
                outputs=[
                    "monitoring_labels",
                    "monitoring_labels_quarantine",
                    "monitoring_label_intake",
                ],
                name="select_monitoring_labels",
            ),
            Node(
                func=compute_drift,
                inputs=[
                    "reference_profile",
                    "monitoring_scored_features",
                    "monitoring_predictions",
                    "params:run_date",
                    "params:monitoring",
                ],
                outputs=["drift_report", "drift_buckets", "drift_by_day"],
                name="compute_drift",
            ),
            Node(
                func=assess_performance,
                inputs=[
                    "monitoring_predictions",
                    "monitoring_labels",
                    "monitoring_scored_features",
                    "performance_estimator",
                    "reference_profile",
                    "params:run_date",
                    "params:monitoring",
                ],
                outputs=[
                    "performance_report",
                    "monitoring_matched_labels",
                    "performance_by_day",
                ],
                name="assess_performance",
            ),
            Node(
                func=assess_status,
                inputs=[
                    "drift_report",
                    "performance_report",
                    "monitoring_predictions",
                    "monitoring_label_intake",
                    "reference_profile",
                    "params:run_date",
                    "params:monitoring",
                ],
                outputs="monitoring_status",
                name="assess_status",
            ),
            Node(
                func=history_row,
                inputs="monitoring_status",
                outputs="monitoring_history",  # an upsert table: this run's row is added
                name="record_monitoring_history",
            ),
            Node(
                func=build_report,
                inputs=[
                    "monitoring_status",
                    "drift_report",
                    "drift_buckets",
                    "drift_by_day",
                    "performance_report",
                    "performance_by_day",
                    "monitoring_matched_labels",
                    "monitoring_history",
                    "params:monitoring",
                ],
                outputs=[
                    "monitoring_psi_chart",
                    "monitoring_distribution_chart",
                    "monitoring_predicted_vs_actual_chart",
                    "monitoring_history_chart",
                    "monitoring_daily_drift_chart",
                    "monitoring_daily_performance_chart",
                    "monitoring_report",
                    "monitoring_plotly_js",
                ],
                name="build_monitoring_report",
            ),
            Node(
                func=enforce_fail_on,
                inputs=["monitoring_status", "monitoring_report", "params:monitoring"],
                outputs=None,
                name="enforce_fail_on",
            ),
        ],
        tags="monitoring",
    )
