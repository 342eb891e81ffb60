"""``RegisteredModelDataset``: one registered model version, as the three files training saves.

Read by the ``rollback`` pipeline only (catalog entry ``registered_model``).
MLflow is imported when the dataset is loaded, never when the catalog is
created, so a default install (no ``tracking`` extra) loads the catalog.
"""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset, DatasetError

from .switch import SWITCH, switched_off


class TrackingNotInstalledError(DatasetError):
    """The ``tracking`` extra (kedro-mlflow, MLflow) is not installed."""


class RegisteredModelDataset(AbstractDataset[None, dict[str, Any]]):
    """One registered version: ``model``, ``reference_profile``, ``performance_estimator``.

    The pickles are verified against the SHA-256 recorded when they were
    registered before they are unpickled (see :mod:`user_score.tracking.registry`).

    Example catalog entry::

        registered_model:
          type: user_score.tracking.RegisteredModelDataset
          name: user_score
          registered_version: ${runtime_params:rollback.version,null}
    """

    def __init__(
        self, name: str, registered_version: int | str | None = None, metadata: Any = None
    ):
        # not ``version``: Kedro's catalog strips that key (reserved for versioned datasets)
        self._name = name
        self._registered_version = registered_version
        self.metadata = metadata

    @property
    def name(self) -> str:
        """The registered model's name."""
        return self._name

    def load(self) -> dict[str, Any]:
        if self._registered_version is None:
            raise DatasetError(
                f"registered_model: no version given; name one of the versions of "
                f"'{self._name}' with --params rollback.version=N (docs/tracking.md)"
            )
        if switched_off():
            raise DatasetError(
                f"registered_model: tracking is off ({SWITCH}=off), so the model registry "
                "is not configured; run the rollback without it"
            )
        try:
            from . import registry
        except ImportError as error:
            raise TrackingNotInstalledError(
                "registered_model needs the tracking extra: "
                'pip install -e ".[tracking]" (or make install-tracking)'
            ) from error
        return registry.load_version(self._name, str(self._registered_version))

    def save(self, data: None) -> None:
        raise DatasetError("registered_model is read-only: training registers versions")

    def _describe(self) -> dict[str, Any]:
        return {"name": self._name, "registered_version": self._registered_version}
