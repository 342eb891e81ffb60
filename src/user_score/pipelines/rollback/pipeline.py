"""``rollback``: registered_model (version N) -> the model and monitoring's reference files.

Outputs ``model``, ``reference_profile``, ``performance_estimator`` and
``performance_estimator_metrics``. Not part of ``__default__``
(pipeline_registry.py). They are saved through
their usual catalog entries, so the next scoring run uses the version's model
(``model`` is versioned: the rollback saves a new latest version) and the next
monitoring run its own reference and estimator.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import restore_registered_version


def create_pipeline(**kwargs) -> Pipeline:
    """Create the rollback pipeline."""
    return Pipeline(
        [
            Node(
                restore_registered_version,
                "registered_model",
                [
                    "model",
                    "reference_profile",
                    "performance_estimator",
                    "performance_estimator_metrics",
                ],
                name="restore_registered_version",
            )
        ],
        tags="rollback",
    )
