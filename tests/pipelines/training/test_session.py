"""training through a real Kedro session on the demo data (like ``kedro run``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.pipelines.training.conftest import TINY_TRAINING
from user_score.pipelines.training.params import PROTOCOL_LABELS

pytestmark = pytest.mark.slow

#: The tiny budget, and four candidates (a baseline, the critic line, the ridge, the
#: blend): this test is about the session (runtime params, files, monitoring's
#: reference), not about which candidate wins (tests/pipelines/training/test_nodes.py
#: runs all of them).
SESSION_BUDGET = {
    **TINY_TRAINING,
    "candidates": ["mean_baseline", "critic_only", "linear", "lightgbm_linear_blend"],
    "selection": {"artifact_candidates": ["critic_only", "linear", "lightgbm_linear_blend"]},
}


def test_kedro_session_trains_on_the_demo_data(project_copy, kedro_run):
    kedro_run(project_copy, pipeline_name="data_engineering")
    kedro_run(
        project_copy,
        pipeline_name="training",
        # like `kedro run --params training.protocols.grouped_kfold.n_repeats=1,...`
        # (the CLI nests dotted keys)
        runtime_params={"training": SESSION_BUDGET},
    )
    data = project_copy / "data"
    metrics = json.loads((data / "08_reporting/training_metrics.json").read_text())
    grouped = metrics["protocols"]["grouped_kfold"]
    assert grouped["settings"]["n_repeats"] == 1  # runtime params applied
    assert list(grouped["candidates"]) == SESSION_BUDGET["candidates"]
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
