"""Rollback end to end: score and monitor with an older registered version and its own reference."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.tracking.conftest import store_uri, tracked_run
from user_score.datasets import ModelArtifactDataset

mlflow = pytest.importorskip("mlflow")

DAY = "2021-03-01"


def registered_model_versions(project) -> dict[str, str]:
    client = mlflow.tracking.MlflowClient(tracking_uri=store_uri(project))
    return {
        str(v.version): v.tags["model_version"]  # MLflow 3.17 answers an int
        for v in client.search_model_versions("name='user_score'")
    }


def training_run_started_at(project) -> list[str]:
    """``run_started_at`` of each training run, in order (versions 1, 2)."""
    client = mlflow.tracking.MlflowClient(tracking_uri=store_uri(project))
    experiment = client.get_experiment_by_name("user_score")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    return [run.data.params["run_started_at"] for run in runs if run.info.run_name == "training"]


@pytest.mark.slow
def test_rollback_scores_and_monitors_with_version_1(trained_twice):
    project = trained_twice
    versions = registered_model_versions(project)
    assert versions["1"] != versions["2"]
    models = project / "data/06_models"
    assert (
        json.loads((models / "reference_profile.json").read_text())["model_version"]
        == (versions["2"])
    )

    tracked_run(project, "rollback", {"rollback": {"version": 1}})

    reference = json.loads((models / "reference_profile.json").read_text())
    assert reference["model_version"] == versions["1"]
    # the estimator is version 1's (trained at its run's start) and so is its evaluation
    estimator = ModelArtifactDataset(filepath=str(models / "performance_estimator.pkl")).load()
    assert estimator.metadata["trained_at"] == training_run_started_at(project)[0]
    from user_score.tracking.registry import load_version  # imports MLflow

    mlflow.set_tracking_uri(store_uri(project))
    registered = load_version("user_score", "1")["performance_estimator_metrics"]
    reported = project / "data/08_reporting/performance_estimator_metrics.json"
    assert json.loads(reported.read_text()) == registered and "oof_mae" in registered
    tracked_run(project, "simulation", {"run_date": DAY})
    tracked_run(project, "scoring", {"run_date": DAY})
    tracked_run(project, "monitoring", {"run_date": DAY})
    predictions = pd.read_csv(project / f"data/prod/predictions/dt={DAY}/predictions.csv")
    assert set(predictions["model_version"]) == {versions["1"]}
    status = json.loads(
        (project / f"data/08_reporting/monitoring/dt={DAY}/monitoring_status.json").read_text()
    )
    assert status["model_version"] == {"predictions": [versions["1"]], "reference": versions["1"]}
    # the rollback registered nothing: still two versions
    assert set(registered_model_versions(project)) == {"1", "2"}


def test_a_rollback_to_a_version_that_does_not_exist_names_the_registered_ones(trained_twice):
    with pytest.raises(Exception, match=r"no version '7'.*registered versions: 1, 2"):
        tracked_run(trained_twice, "rollback", {"rollback": {"version": 7}})
