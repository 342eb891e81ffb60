"""Tracked training runs and the registry: params, metrics, artifacts, one version of 3 files."""

from __future__ import annotations

import json

import pytest

from tests.tracking.conftest import SUMMARIES, store_uri

mlflow = pytest.importorskip("mlflow")
MlflowClient = mlflow.tracking.MlflowClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(trained_twice):
    return MlflowClient(tracking_uri=store_uri(trained_twice))


def all_runs(client):
    experiment = client.get_experiment_by_name("user_score")
    return client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])


def training_runs(client):
    experiment = client.get_experiment_by_name("user_score")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    return [run for run in runs if run.info.run_name == "training"]


def test_a_training_run_records_params_metrics_and_artifacts(trained_twice, client):
    runs = training_runs(client)
    assert len(runs) == 2 and all(run.info.status == "FINISHED" for run in runs)
    run = runs[-1]
    metrics = json.loads((trained_twice / "data/08_reporting/training_metrics.json").read_text())
    assert run.data.tags["model_version"] == metrics["model_version"]
    # flattened parameters, the run-time override included
    assert run.data.params["training.protocols.grouped_kfold.n_repeats"] == "1"
    assert run.data.params["training.protocols.grouped_kfold.n_splits"] == "3"
    assert run.data.params["training.protocols.time_backtest.cutoff_year"] == "2016"  # YAML
    chosen = metrics["chosen_model"]
    assert run.data.tags["chosen_model"] == chosen
    for protocol, result in metrics["protocols"].items():
        for candidate in result["candidates"]:
            assert any(name.startswith(f"{protocol}.{candidate}.") for name in run.data.metrics)
    mae = metrics["protocols"]["grouped_kfold"]["candidates"][chosen]["mae"]
    assert run.data.metrics["chosen.grouped_kfold.mae"] == pytest.approx(mae)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"model_card.md", "training_metrics.json", "charts"} <= artifacts
    charts = {a.path for a in client.list_artifacts(run.info.run_id, "charts")}
    assert "charts/protocol_comparison.json" in charts
    assert "charts/residuals_by_year_platform.html" in charts
    card = mlflow.artifacts.load_text(f"{run.info.artifact_uri}/model_card.md")
    assert card == (trained_twice / "data/08_reporting/model_card.md").read_text()


def test_each_training_run_registers_model_reference_and_estimator_as_one_version(
    trained_twice, client
):
    versions = sorted(
        client.search_model_versions("name='user_score'"), key=lambda v: int(v.version)
    )
    assert [str(v.version) for v in versions] == ["1", "2"]
    runs = training_runs(client)
    assert [v.run_id for v in versions] == [run.info.run_id for run in runs]
    first, second = (v.tags["model_version"] for v in versions)
    assert first != second
    assert all(v.tags["reference_model_version"] == v.tags["model_version"] for v in versions)
    from user_score.tracking.registry import load_version  # imports MLflow

    mlflow.set_tracking_uri(store_uri(trained_twice))
    loaded = load_version("user_score", "1")
    assert loaded["model"].model_version == first
    assert loaded["reference_profile"]["model_version"] == first
    assert loaded["performance_estimator"] is not None
    assert loaded["registered_version"]["run_id"] == runs[0].info.run_id


def test_each_kedro_run_is_its_own_mlflow_run_and_none_is_left_open(trained_twice, client):
    """Three sessions in one process: three finished MLflow runs, none adopted by the next.

    (kedro-mlflow re-opens the run before every node; with ``nested: True`` each
    re-opening stacked it once more, the run outlived its session, and the next
    training logged into the first one: MLflow refused its second
    ``run_started_at``.)
    """
    first_three = all_runs(client)[:3]
    assert [run.info.run_name for run in first_three] == [
        "data_engineering",
        "training",
        "training",
    ]
    assert all(run.info.status == "FINISHED" for run in first_three)
    assert len({run.info.run_id for run in first_three}) == 3
    started = [run.data.params["run_started_at"] for run in first_three[1:]]
    assert started[0] != started[1]
    assert mlflow.active_run() is None


def test_the_console_summary_names_the_mlflow_run_and_the_registered_version(trained_twice, client):
    assert len(SUMMARIES) == 3
    engineering, _, second = SUMMARIES
    runs = all_runs(client)
    assert f"mlflow      run {runs[0].info.run_id} (experiment user_score)\n" in engineering
    assert "registered" not in engineering
    assert (
        f"mlflow      run {runs[2].info.run_id} (experiment user_score), "
        "registered user_score version 2\n"
    ) in second
