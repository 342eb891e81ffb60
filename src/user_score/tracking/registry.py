"""The registered model: model, reference profile and performance estimator as ONE version.

Training registers a pyfunc model whose artifacts are the three files scoring
and monitoring read, written by the project's own datasets (the pickles with
their SHA-256 sidecars, :class:`~user_score.datasets.ModelArtifactDataset`).
The ``rollback`` pipeline loads a version back (:func:`load_version`), checks
every pickle against its sidecar before unpickling it and saves the three
through the catalog. Imports MLflow: only imported with the ``tracking`` extra.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel
from mlflow.tracking import MlflowClient

from user_score.datasets import ModelArtifactDataset
from user_score.datasets.json import JSONDataset
from user_score.model.artifact import library_versions
from user_score.tracking.datasets import RegistryError

logger = logging.getLogger(__name__)

#: Artifact name -> file inside it (a pickle folder holds the file and its .sha256 sidecar).
PICKLES = {"model": "model.pkl", "performance_estimator": "performance_estimator.pkl"}
REFERENCE = "reference_profile"
REFERENCE_FILE = "reference_profile.json"
#: The estimator's evaluation (08_reporting/performance_estimator_metrics.json), if saved.
ESTIMATOR_METRICS = "performance_estimator_metrics"
ESTIMATOR_METRICS_FILE = "performance_estimator_metrics.json"


class UserScorePyfunc(PythonModel):
    """``mlflow.pyfunc`` face of a registered version: predicts with its ``UserScoreModel``.

    The version's artifacts are ``model/`` and ``performance_estimator/`` (pickle
    + SHA-256 sidecar) and ``reference_profile.json``; only the model is needed
    to predict (``predict`` returns ``UserScoreModel.predict``'s frame).
    """

    def load_context(self, context: Any) -> None:
        self.model = _load_pickle(Path(context.artifacts["model"]), PICKLES["model"])

    def predict(self, context, model_input, params=None):  # untyped: no signature inference
        return self.model.predict(model_input)


def _load_pickle(folder: Path, filename: str) -> Any:
    """A pickle checked against its sidecar first (ModelIntegrityError on a mismatch)."""
    return ModelArtifactDataset(filepath=str(folder / filename)).load()


def write_artifacts(
    folder: Path,
    model: Any,
    reference_profile: dict[str, Any],
    performance_estimator: Any,
    performance_estimator_metrics: dict[str, Any] | None = None,
) -> dict[str, str]:
    """The files under ``folder`` as the catalog writes them; the pyfunc ``artifacts``."""
    artifacts = {}
    for name, data in (("model", model), ("performance_estimator", performance_estimator)):
        (folder / name).mkdir(parents=True, exist_ok=True)
        ModelArtifactDataset(filepath=str(folder / name / PICKLES[name])).save(data)
        artifacts[name] = str(folder / name)
    JSONDataset(filepath=str(folder / REFERENCE_FILE), save_args={"indent": 1}).save(
        reference_profile
    )
    artifacts[REFERENCE] = str(folder / REFERENCE_FILE)
    if performance_estimator_metrics is not None:
        JSONDataset(filepath=str(folder / ESTIMATOR_METRICS_FILE), save_args={"indent": 1}).save(
            performance_estimator_metrics
        )
        artifacts[ESTIMATOR_METRICS] = str(folder / ESTIMATOR_METRICS_FILE)
    return artifacts


def register_version(
    registered_name: str,
    model: Any,
    reference_profile: dict[str, Any],
    performance_estimator: Any,
    performance_estimator_metrics: dict[str, Any] | None = None,
) -> str:
    """Log the files as one pyfunc model in the active run and register it; its version number.

    The model, the reference profile, the performance estimator and, when the
    run saved it, the estimator's evaluation (``performance_estimator_metrics``).
    """
    with tempfile.TemporaryDirectory(prefix="user_score_register_") as tmp:
        artifacts = write_artifacts(
            Path(tmp),
            model,
            reference_profile,
            performance_estimator,
            performance_estimator_metrics,
        )
        info = mlflow.pyfunc.log_model(
            name="user_score_model",
            python_model=UserScorePyfunc(),
            artifacts=artifacts,
            # explicit: no requirement inference (it would load the model in a subprocess)
            pip_requirements=[
                f"{name}=={version}"
                for name, version in library_versions().items()
                if name != "python"
            ],
            registered_model_name=registered_name,
        )
    version = str(info.registered_model_version)
    tags = {
        "model_version": str(getattr(model, "model_version", "unversioned")),
        "reference_model_version": str(reference_profile.get("model_version")),
        "training_data_fingerprint": str(
            getattr(model, "metadata", {}).get("training_data_fingerprint", "")
        ),
    }
    client = MlflowClient()
    for tag, value in tags.items():
        client.set_model_version_tag(registered_name, version, tag, value)
    logger.info(
        "registered %s version %s (model %s)", registered_name, version, tags["model_version"]
    )
    return version


def _estimator_metrics(estimator: Any) -> dict[str, Any]:
    """A version registered without its metrics file: the same figures, from the estimator."""
    metadata = dict(getattr(estimator, "metadata", {}) or {})
    metadata.pop("trained_at", None)
    return metadata


def load_version(registered_name: str, version: str) -> dict[str, Any]:
    """Version ``version`` of ``registered_name``: its three artifacts and where they came from."""
    client = MlflowClient()
    try:
        details = client.get_model_version(registered_name, version)
    except mlflow.exceptions.MlflowException as error:
        known = sorted(
            (str(v.version) for v in client.search_model_versions(f"name='{registered_name}'")),
            key=int,
        )
        raise RegistryError(
            f"{registered_name} has no version {version!r}; registered versions: "
            f"{', '.join(known) or 'none (run training with the tracking extra first)'}",
            todo="roll back to one of the registered versions: "
            "kedro run --pipelines rollback --params rollback.version=N",
        ) from error
    with tempfile.TemporaryDirectory(prefix="user_score_rollback_") as tmp:
        local = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{registered_name}/{version}", dst_path=tmp
            )
        )
        artifacts = local / "artifacts"
        loaded = {
            name: _load_pickle(artifacts / name, filename) for name, filename in PICKLES.items()
        }
        loaded[REFERENCE] = JSONDataset(filepath=str(artifacts / REFERENCE_FILE)).load()
        metrics_file = artifacts / ESTIMATOR_METRICS_FILE
        loaded[ESTIMATOR_METRICS] = (
            JSONDataset(filepath=str(metrics_file)).load()
            if metrics_file.exists()
            else _estimator_metrics(loaded["performance_estimator"])
        )
    loaded["registered_version"] = {
        "name": registered_name,
        "version": str(details.version),
        "run_id": details.run_id,
        "tags": dict(details.tags),
    }
    return loaded
