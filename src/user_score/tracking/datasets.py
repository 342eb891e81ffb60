"""``RegisteredModelDataset``: one registered model version, as the three files training saves.

Read by the ``rollback`` pipeline only (catalog entry ``registered_model``).
MLflow is imported when the dataset is loaded, never when the catalog is
created, so a default install (no ``tracking`` extra) loads the catalog.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from .switch import SWITCH, switched_off


class RegistryError(DatasetError):
    """The model registry cannot give the asked version; ``todo`` says what to do.

    A known error: the console ends the run with one block (user_score.console.errors).
    """

    def __init__(self, message: str, todo: str) -> None:
        super().__init__(message)
        self.todo = todo


class TrackingNotInstalledError(RegistryError):
    """The ``tracking`` extra (kedro-mlflow, MLflow) is not installed."""


INSTALL_TODO = (
    'install it: pip install -e ".[tracking]" (or make install-tracking), then run again '
    "(docs/tracking.md)"
)


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

    #: Never writes (``save`` refuses): the atomic-writes rule of the catalog does not apply.
    read_only = True

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
            raise RegistryError(
                f"registered_model: no version given for the registered model '{self._name}'",
                todo="name one: kedro run --pipelines rollback --params rollback.version=N "
                "(make mlflow-ui lists the versions; docs/runbook.md)",
            )
        if switched_off():
            raise RegistryError(
                f"registered_model: tracking is off ({SWITCH}=off), so the model registry "
                "is not configured",
                todo=f"run the rollback without {SWITCH}=off",
            )
        if find_spec("kedro_mlflow") is None or find_spec("mlflow") is None:
            raise TrackingNotInstalledError(
                "registered_model needs the tracking extra (kedro-mlflow, MLflow), "
                "which is not installed",
                todo=INSTALL_TODO,
            )
        from . import quiet_mlflow

        quiet_mlflow()
        from . import registry

        return registry.load_version(self._name, str(self._registered_version))

    def save(self, data: None) -> None:
        raise DatasetError("registered_model is read-only: training registers versions")

    def _describe(self) -> dict[str, Any]:
        return {"name": self._name, "registered_version": self._registered_version}
