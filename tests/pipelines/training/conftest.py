"""Fixtures for training tests: model input tables built by the real data_engineering code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from tests.conftest import DEMO_CATALOG, PROJECT_ROOT, quality_datasets
from user_score.pipelines.data_engineering import create_pipeline as create_de_pipeline
from user_score.pipelines.training.params import TrainingParams


def model_input_from_csv(path: Path) -> pd.DataFrame:
    """Run data_engineering in memory on a raw CSV and return model_input_table."""
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    catalog = DataCatalog({"raw_games": MemoryDataset(raw), **quality_datasets()})
    SequentialRunner().run(create_de_pipeline(), catalog)
    return catalog.load("model_input_table")


def training_params_dict() -> dict[str, Any]:
    """``training`` exactly as conf/base/parameters_training.yml writes it (plain YAML)."""
    text = (PROJECT_ROOT / "conf/base/parameters_training.yml").read_text()
    return yaml.safe_load(text)["training"]


def training_params() -> TrainingParams:
    """``params:training`` as the nodes receive it (validated by Kedro into TrainingParams)."""
    return TrainingParams.model_validate(training_params_dict())


#: The CI-sized budget: 1 repeat of (a), 2 of (b), 1 tuning config, fewer rounds (the
#: protocols stay).
SMALL_BUDGET: dict[str, Any] = {
    "protocols": {"grouped_kfold": {"n_repeats": 1}, "random_holdout": {"n_repeats": 2}},
    "lightgbm": {"tuning": {"max_rounds": 300}},
}


#: A tiny budget for tests of something else than model quality (storage, tracking): fewer
#: folds, draws and cutoffs, three candidates, one tuning config; every protocol still runs.
TINY_TRAINING: dict[str, Any] = {
    "candidates": ["mean_baseline", "critic_only", "lightgbm"],
    "selection": {"artifact_candidates": ["critic_only", "lightgbm"]},
    "protocols": {
        "grouped_kfold": {"n_splits": 3, "n_repeats": 1},
        "random_holdout": {"n_repeats": 1},
        "leave_studio_out": {"n_splits": 3},
        "rolling_backtest": {"cutoffs": [2012, 2016]},
    },
    "lightgbm": {
        "tuning": {
            "inner_folds": 2,
            "grid": [{"num_leaves": 8, "min_child_samples": 10, "learning_rate": 0.05}],
        }
    },
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) else value
    return merged


def small_training() -> dict[str, Any]:
    """:data:`SMALL_BUDGET` and only the first tuning config, as ``--params training`` overrides."""
    first = training_params_dict()["lightgbm"]["tuning"]["grid"][:1]
    return _merge(SMALL_BUDGET, {"lightgbm": {"tuning": {"grid": first}}})


def demo_run_budget() -> dict[str, Any]:
    """The shared demo run's ``training`` overrides (``tests.conftest.demo_run_project``).

    Every candidate (the training node tests read its protocols' results), with
    :data:`TINY_TRAINING`'s folds, draws and cutoffs, two inner folds and the first
    tuning config: ~15 s of training instead of ~26 s with :func:`small_training`.
    """
    small = small_training()
    return {
        "protocols": TINY_TRAINING["protocols"],
        "lightgbm": {"tuning": {**small["lightgbm"]["tuning"], "inner_folds": 2}},
    }


def training_params_with(overrides: dict[str, Any]) -> TrainingParams:
    """``params:training`` with ``overrides`` merged in (as ``--params training=...`` does)."""
    return TrainingParams.model_validate(_merge(training_params_dict(), overrides))


def tiny_params() -> TrainingParams:
    """``params:training`` with :data:`TINY_TRAINING`."""
    return training_params_with(TINY_TRAINING)


@pytest.fixture(scope="session")
def demo_model_input() -> pd.DataFrame:
    return model_input_from_csv(DEMO_CATALOG)


@pytest.fixture(scope="session")
def real_model_input(real_data_path: Path) -> pd.DataFrame:
    return model_input_from_csv(real_data_path)


@pytest.fixture
def params() -> TrainingParams:
    return training_params()


@pytest.fixture
def small_params() -> TrainingParams:
    return training_params_with(small_training())
