"""What a tracked run records: flattened parameters and training metrics (no MLflow needed)."""

from __future__ import annotations

from tests.pipelines.training.conftest import training_params
from user_score.tracking.flatten import flat_params, training_metric_values


def test_validated_parameters_become_one_parameter_per_leaf():
    flat = flat_params(
        {"params:training": training_params(), "params:run_date": "2021-03-01", "model": object()}
    )
    assert flat["params:training.protocols.grouped_kfold.n_repeats"] == 3
    assert flat["params:training.candidates"][:2] == ["mean_baseline", "critic_only"]
    assert flat["params:run_date"] == "2021-03-01"
    assert "model" not in flat  # datasets are not parameters
    grid = [name for name in flat if name.startswith("params:training.lightgbm.tuning.grid.")]
    assert grid and all(name.split(".")[4].isdigit() for name in grid)  # list of dicts indexed
    assert all(not isinstance(value, dict) for value in flat.values())
    # MLflow keeps parameter values up to 6,000 characters; every leaf is short
    assert max(len(str(value)) for value in flat.values()) < 500


def test_training_metrics_per_candidate_and_protocol():
    metrics = {
        "chosen_model": "linear",
        "protocols": {
            "grouped_kfold": {
                "settings": {"n_splits": 5},
                "candidates": {
                    "linear": {"mae": 0.5, "r2": 0.4, "by_split": {"r2": {"mean": 0.41}}},
                    "critic_only": {"mae": 0.6, "r2": float("nan"), "splits": [0.1, 0.2]},
                },
            }
        },
        "interval": {"coverage": {"coverage": 0.79, "pass": True}},
        "targets": {"interval_coverage": {"target": "80%", "pass": False}},
    }
    values = training_metric_values(metrics)
    assert values["grouped_kfold.linear.mae"] == 0.5
    assert values["grouped_kfold.linear.by_split.r2.mean"] == 0.41
    assert values["grouped_kfold.critic_only.mae"] == 0.6
    assert "grouped_kfold.critic_only.r2" not in values  # NaN is no metric
    assert values["chosen.grouped_kfold.mae"] == 0.5
    assert values["interval.coverage"] == 0.79 and values["interval.pass"] == 1.0
    assert values["targets.interval_coverage.pass"] == 0.0
    assert not any(name.startswith("grouped_kfold.settings") for name in values)
