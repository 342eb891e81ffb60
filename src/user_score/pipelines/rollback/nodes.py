"""Rollback node: a registered version's three artifacts, checked to belong together."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


class RollbackMismatchError(ValueError):
    """A registered version's reference profile is not the one of its model."""


def restore_registered_version(
    registered_model: dict[str, Any],
) -> tuple[Any, dict, Any, dict]:
    """The version's model, reference profile, performance estimator and its metrics, as current.

    Args:
        registered_model: what ``RegisteredModelDataset`` loads: ``model``,
            ``reference_profile``, ``performance_estimator``,
            ``performance_estimator_metrics``, ``registered_version``.

    Returns:
        ``(model, reference_profile, performance_estimator, performance_estimator_metrics)``.

    Raises:
        RollbackMismatchError: the reference profile was built for another model.
    """
    model = registered_model["model"]
    reference = registered_model["reference_profile"]
    version = registered_model["registered_version"]
    model_version = str(getattr(model, "model_version", "unversioned"))
    if str(reference.get("model_version")) != model_version:
        raise RollbackMismatchError(
            f"registered version {version['version']}: reference profile of model "
            f"{reference.get('model_version')}, model {model_version}"
        )
    logger.warning(
        "rollback: %s version %s (model %s, run %s) is now the current model, "
        "reference profile and performance estimator",
        version["name"],
        version["version"],
        model_version,
        version["run_id"],
    )
    return (
        model,
        reference,
        registered_model["performance_estimator"],
        registered_model["performance_estimator_metrics"],
    )
