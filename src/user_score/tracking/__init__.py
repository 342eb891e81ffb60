"""Experiment tracking with kedro-mlflow: an optional extra (``pip install -e ".[tracking]"``).

With the extra installed, every ``kedro run`` is recorded in an embedded MLflow
store (sqlite under ``data/mlflow``, ``conf/base/mlflow.yml``): flattened
parameters, training metrics per candidate and protocol, the model card and
charts as artifacts, and the model registered together with its reference
profile and performance estimator as one version (docs/tracking.md).

Without the extra nothing here imports MLflow: :func:`tracking_hooks` returns no
hook and the catalog's ``registered_model`` entry (read only by the ``rollback``
pipeline) fails with a message naming the extra.
"""

from __future__ import annotations

import logging
import os
from importlib.util import find_spec
from typing import Any

from .datasets import RegisteredModelDataset
from .startup import quiet_mlflow_type_hint_warning

__all__ = ["RegisteredModelDataset", "quiet_mlflow", "tracking_available", "tracking_hooks"]


def tracking_available() -> bool:
    """True if kedro-mlflow (and so MLflow) is installed."""
    return find_spec("kedro_mlflow") is not None


def quiet_mlflow() -> None:
    """MLflow and kedro-mlflow as quiet as the rest of a run (conf/logging.yml).

    Call before importing either. MLflow's own log handler prints INFO
    (``MLFLOW_LOGGING_LEVEL`` WARNING unless set); kedro-mlflow sets its logger to
    INFO when imported (reset: the root level of the logging config decides, so
    ``conf/logging_verbose.yml`` shows its lines); MLflow's warning about model
    classes without type hints is dropped (:mod:`.startup`, also a ``kedro.init``
    hook, for the ``kedro`` command's own start).
    """
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    quiet_mlflow_type_hint_warning()
    import kedro_mlflow  # noqa: F401  (sets its logger's level when imported)

    logging.getLogger("kedro_mlflow").setLevel(logging.NOTSET)


def tracking_hooks() -> tuple[Any, ...]:
    """The tracking hook when the extra is installed, else nothing (settings.HOOKS)."""
    if not tracking_available():
        return ()
    quiet_mlflow()
    from .hooks import TrackingHook

    return (TrackingHook(),)
