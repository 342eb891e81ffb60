"""``TrackingHook``: kedro-mlflow's ``MlflowHook`` with the project's records (docs/tracking.md).

Registered by ``settings.py`` (through :func:`user_score.tracking.tracking_hooks`)
only when the ``tracking`` extra is installed; kedro-mlflow's own entry-point
hook is disabled there so that each run is recorded once. On top of
kedro-mlflow (one MLflow run per ``kedro run``, configured by ``conf/*/mlflow.yml``):

* the sqlite store's path is relative to the project, not to the working
  directory (resolver ``${tracking_store:data/mlflow/mlflow.db}``);
* parameters are flattened to one MLflow parameter per leaf, including Kedro's
  validated (pydantic) parameter objects;
* a training run logs the metrics of every candidate under every protocol,
  ``training_metrics.json``, the model card and the charts, and registers
  the model with its reference profile and performance estimator as one
  version (:mod:`user_score.tracking.registry`).
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf

from .flatten import flat_params, training_metric_values
from .switch import switched_off

logger = logging.getLogger(__name__)

#: Datasets a training run saves that are logged as run artifacts (name -> artifact path).
TEXT_ARTIFACTS = {"model_card": "model_card.md"}
CHART_ARTIFACTS = {
    "predicted_vs_actual_plot": "charts/predicted_vs_actual",
    "residuals_plot": "charts/residuals_by_year_platform",
    "feature_drivers_plot": "charts/feature_drivers",
    "protocol_comparison_plot": "charts/protocol_comparison",
}
#: The three files that are registered together as one model version.
REGISTERED = ("model", "reference_profile", "performance_estimator")
#: Registered with them when the run saved it: the estimator's evaluation (08_reporting).
REGISTERED_IF_SAVED = ("performance_estimator_metrics",)
#: Catalog entry naming the registered model (its ``name``).
REGISTERED_MODEL_ENTRY = "registered_model"
DEFAULT_REGISTERED_NAME = "user_score"
#: MLflow's limit of metrics per log_batch call.
_BATCH = 1000


def _store_uri(path: str, project_path: Path) -> str:
    """``sqlite:///<project>/<path>`` (its folder created): the embedded store of ``mlflow.yml``."""
    store = Path(path) if Path(path).is_absolute() else project_path / path
    store.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{store}"


class TrackingHook(MlflowHook):
    """kedro-mlflow's hook plus the project's parameters, metrics, artifacts and registry.

    Every hook does nothing while ``USER_SCORE_TRACKING=off`` (read when the
    context is created): the test suite's default, and a switch for users.
    """

    def __init__(self) -> None:
        super().__init__()
        self._off = False
        self._saved: dict[str, Any] = {}
        self._trained = False
        self._registered_name = DEFAULT_REGISTERED_NAME
        self.registered_version: str | None = None
        self._tracked: dict[str, str] | None = None

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._off = switched_off()
        self.run_id = None
        if self._off:
            self._is_mlflow_enabled = False
            return
        project_path = Path(context.project_path)
        OmegaConf.register_new_resolver(
            "tracking_store", lambda path: _store_uri(path, project_path), replace=True
        )
        super().after_context_created(context)

    @hook_impl
    def after_catalog_created(
        self,
        catalog: Any,
        conf_catalog: Any,
        conf_creds: Any,
        parameters: Any,
        save_version: Any,
        load_versions: Any,
    ) -> None:
        self._saved = {}
        self._trained = False
        self.registered_version = None
        if self._off:
            return
        super().after_catalog_created(
            catalog, conf_catalog, conf_creds, parameters, save_version, load_versions
        )
        if REGISTERED_MODEL_ENTRY in catalog:
            dataset = catalog.get(REGISTERED_MODEL_ENTRY)
            self._registered_name = getattr(dataset, "name", DEFAULT_REGISTERED_NAME)

    @hook_impl
    def before_pipeline_run(self, run_params: Any, pipeline: Any, catalog: Any) -> None:
        self._tracked = None
        if not self._off:
            super().before_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)

    def tracked_run(self) -> dict[str, str] | None:
        """The last run's MLflow record, for the console summary; None if not tracked.

        ``run_id`` and ``experiment``, plus ``registered_model`` and
        ``registered_version`` when the run registered a model version.
        """
        return self._tracked

    @hook_impl
    def on_pipeline_error(self, error: Any, run_params: Any, pipeline: Any, catalog: Any):
        if not self._off and self.run_id:
            super().on_pipeline_error(
                error=error, run_params=run_params, pipeline=pipeline, catalog=catalog
            )

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: dict[str, Any], is_async: bool):
        if self._off:
            return
        # kedro-mlflow logs every "params:<key>" input as is; hand it one key per leaf
        super().before_node_run(node, catalog, flat_params(inputs), is_async)

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Any) -> None:
        if not (self._is_mlflow_enabled and self.run_id):
            return
        if dataset_name in REGISTERED + REGISTERED_IF_SAVED:
            self._saved[dataset_name] = data
        if dataset_name == "training_metrics":
            self._trained = True
            self._log_training_metrics(data)
        elif dataset_name in TEXT_ARTIFACTS:
            mlflow.log_text(str(data), TEXT_ARTIFACTS[dataset_name], run_id=self.run_id)
        elif dataset_name in CHART_ARTIFACTS:
            self._log_chart(data, CHART_ARTIFACTS[dataset_name])

    def _log_training_metrics(self, metrics: dict[str, Any]) -> None:
        values = training_metric_values(metrics)
        client = MlflowClient()
        batch = [Metric(name, value, 0, 0) for name, value in sorted(values.items())]
        for start in range(0, len(batch), _BATCH):
            client.log_batch(self.run_id, metrics=batch[start : start + _BATCH])
        mlflow.log_dict(metrics, "training_metrics.json", run_id=self.run_id)
        client.set_tag(self.run_id, "model_version", str(metrics.get("model_version")))
        client.set_tag(self.run_id, "chosen_model", str(metrics.get("chosen_model")))
        logger.info("tracking: %d training metrics logged", len(values))

    def _log_chart(self, figure: Any, path: str) -> None:
        """A plotly chart as its JSON (what the catalog saves) and as a page the UI shows."""
        to_json = getattr(figure, "to_json", None)
        text = to_json() if callable(to_json) else json.dumps(figure)
        mlflow.log_text(text, f"{path}.json", run_id=self.run_id)
        to_html = getattr(figure, "to_html", None)
        if callable(to_html):
            with tempfile.TemporaryDirectory() as tmp:
                page = Path(tmp) / f"{Path(path).name}.html"
                page.write_text(to_html(include_plotlyjs="cdn", full_html=True), "utf-8")
                mlflow.log_artifact(str(page), str(Path(path).parent), run_id=self.run_id)

    @hook_impl
    def after_pipeline_run(self, run_params: Any, pipeline: Any, catalog: Any) -> None:
        if self._off:
            return
        try:
            if self._is_mlflow_enabled and self.run_id and self._trained_all():
                from .registry import register_version

                if mlflow.active_run() is None:  # e.g. nodes ran in other threads
                    mlflow.start_run(run_id=self.run_id)
                self.registered_version = register_version(
                    self._registered_name,
                    self._saved["model"],
                    self._saved["reference_profile"],
                    self._saved["performance_estimator"],
                    self._saved.get("performance_estimator_metrics"),
                )
                mlflow.set_tag("registered_model_version", self.registered_version)
            if self._is_mlflow_enabled and self.run_id:
                self._tracked = {
                    "run_id": self.run_id,
                    "experiment": self.mlflow_config.tracking.experiment.name,
                }
                if self.registered_version:
                    self._tracked["registered_model"] = self._registered_name
                    self._tracked["registered_version"] = self.registered_version
        finally:
            self._saved, self._trained = {}, False
            super().after_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)

    def _trained_all(self) -> bool:
        """True if this run trained (training_metrics) and saved all three files.

        A rollback run saves the three files too, but registers nothing.
        """
        return self._trained and all(name in self._saved for name in REGISTERED)
