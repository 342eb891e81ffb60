"""training as a whole: the registered pipeline and a run on an in-memory catalog.

The real Kedro sessions are in test_session.py (a module of their own, so the
suite runs them beside these on another worker)."""

from __future__ import annotations

import pytest
from kedro.framework.project import configure_project
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.json import JSONDataset
from kedro_datasets.pickle import PickleDataset
from kedro_datasets.text import TextDataset

from tests.pipelines.training.conftest import tiny_params
from user_score.model import UserScoreModel
from user_score.pipeline_registry import register_pipelines
from user_score.pipelines.training import create_pipeline
from user_score.pipelines.training.params import PROTOCOL_LABELS

TRAINING_OUTPUTS = {
    "model",
    "oof_predictions",
    "training_metrics",
    "feature_drivers",
    "predicted_vs_actual_plot",
    "residuals_plot",
    "feature_drivers_plot",
    "protocol_comparison_plot",
    "model_card",
    *(f"protocol_{name}_predictions" for name in PROTOCOL_LABELS),
}


REFERENCE_OUTPUTS = {"reference_profile", "performance_estimator", "performance_estimator_metrics"}


def test_training_reads_model_input_and_the_registered_run_saves_monitoring_reference():
    pipeline = create_pipeline()
    assert "model_input_table" in pipeline.inputs()
    assert pipeline.all_outputs() >= TRAINING_OUTPUTS
    assert not pipeline.all_outputs() & REFERENCE_OUTPUTS  # composed by the registry
    configure_project("user_score")
    registered = register_pipelines()
    # `kedro run --pipelines training` saves the model and monitoring's reference
    assert registered["training"].all_outputs() >= TRAINING_OUTPUTS | REFERENCE_OUTPUTS
    inputs = {name for name in registered["training"].inputs() if not name.startswith("params:")}
    assert inputs == {"model_input_table"}
    # __default__ = data_engineering then training (and the other pipelines)
    names = [node.name for node in registered["__default__"].nodes]
    assert names.index("data_engineering.create_model_input_table") < names.index(
        "training.evaluate_grouped_kfold"
    )


@pytest.mark.slow
def test_pipeline_runs_on_an_in_memory_catalog(demo_model_input, tmp_path):
    training_only = create_pipeline().only_nodes_with_tags("training")
    catalog = DataCatalog(
        {
            "model_input_table": MemoryDataset(demo_model_input),
            "params:training": MemoryDataset(tiny_params()),  # the wiring, not the winner
            "params:run_started_at": MemoryDataset("2021-03-01T00:00:00Z"),
            # file-backed, so the runner does not release them after their last use
            "model": PickleDataset(filepath=str(tmp_path / "model.pkl")),
            "training_metrics": JSONDataset(filepath=str(tmp_path / "metrics.json")),
            "model_card": TextDataset(filepath=str(tmp_path / "model_card.md")),
        }
    )
    SequentialRunner().run(training_only, catalog)
    model = catalog.load("model")
    assert isinstance(model, UserScoreModel)
    metrics = catalog.load("training_metrics")
    assert metrics["model_version"] == model.model_version
    labelled = demo_model_input.loc[demo_model_input["is_labelled"]]
    predicted = model.predict(labelled)
    assert predicted["predicted_user_score"].corr(labelled["user_score"]) > 0.6
    assert catalog.load("model_card").startswith("# Model card")
