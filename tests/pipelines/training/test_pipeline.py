"""training as a whole: in-memory catalog and a real Kedro session on the demo data."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from kedro.framework.project import configure_project
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.json import JSONDataset
from kedro_datasets.pickle import PickleDataset
from kedro_datasets.text import TextDataset

from tests.pipelines.training.conftest import SMALL_BUDGET, small_budget, training_params
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


def test_pipeline_runs_on_an_in_memory_catalog(demo_model_input, tmp_path):
    training_only = create_pipeline().only_nodes_with_tags("training")
    catalog = DataCatalog(
        {
            "model_input_table": MemoryDataset(demo_model_input),
            "params:training": MemoryDataset(small_budget(training_params())),
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


def test_kedro_session_trains_on_the_demo_data(project_copy, kedro_run):
    kedro_run(project_copy, pipeline_name="data_engineering")
    kedro_run(
        project_copy,
        pipeline_name="training",
        # like `kedro run --params training.protocols.grouped_kfold.n_repeats=1,...`
        # (the CLI nests dotted keys)
        runtime_params={"training": SMALL_BUDGET},
    )
    data = project_copy / "data"
    metrics = json.loads((data / "08_reporting/training_metrics.json").read_text())
    grouped = metrics["protocols"]["grouped_kfold"]
    assert grouped["settings"]["n_repeats"] == 1  # runtime params applied
    assert len(grouped["splits"]) == grouped["settings"]["n_splits"]
    for name in PROTOCOL_LABELS:
        table = pd.read_parquet(data / f"07_model_output/protocols/{name}.parquet")
        assert len(table) == metrics["protocols"][name]["rows"]
    versions = list((data / "06_models/model.pkl").iterdir())
    assert len(versions) == 1 and (versions[0] / "model.pkl").exists()
    oof = pd.read_parquet(data / "07_model_output/oof_predictions.parquet")
    assert list(oof.columns) == ["game_id", "user_score", "oof_prediction", "repeat", "fold"]
    charts = ("predicted_vs_actual", "residuals_by_year_platform", "feature_drivers")
    for chart in (*charts, "protocol_comparison"):
        assert json.loads((data / f"08_reporting/{chart}.json").read_text())["data"]
    card = (data / "08_reporting/model_card.md").read_text()
    assert metrics["model_version"] in card
    # `--pipelines training` alone also saves what monitoring compares against
    reference = json.loads((data / "06_models/reference_profile.json").read_text())
    assert reference["model_version"] == metrics["model_version"]
    assert (data / "06_models/performance_estimator.pkl").exists()


def test_a_wrong_training_parameter_stops_the_run_naming_it(project_copy, kedro_run):
    from kedro.validation import ParameterValidationError

    with pytest.raises(ParameterValidationError, match="cutoffs") as caught:
        kedro_run(
            project_copy,
            pipeline_name="training",
            runtime_params={"training": {"protocols": {"rolling_backtest": {"cutoffs": "x"}}}},
        )
    assert "Parameter 'training'" in str(caught.value)
    assert not (project_copy / "data/06_models/model.pkl").exists()
