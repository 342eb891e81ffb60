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


def model_input_from_csv(path: Path) -> pd.DataFrame:
    """Run data_engineering in memory on a raw CSV and return model_input_table."""
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    catalog = DataCatalog({"raw_games": MemoryDataset(raw), **quality_datasets()})
    SequentialRunner().run(create_de_pipeline(), catalog)
    return catalog.load("model_input_table")


def training_params() -> dict[str, Any]:
    """``params:training`` exactly as conf/base/parameters_training.yml defines it."""
    text = (PROJECT_ROOT / "conf/base/parameters_training.yml").read_text()
    return yaml.safe_load(text)["training"]


def small_budget(params: dict[str, Any]) -> dict[str, Any]:
    """The same protocol with a CI-sized budget: 1 repeat, 1 tuning config, fewer rounds."""
    small = copy.deepcopy(params)
    small["cv"]["n_repeats"] = 1
    small["lightgbm"]["tuning"]["grid"] = small["lightgbm"]["tuning"]["grid"][:1]
    small["lightgbm"]["tuning"]["max_rounds"] = 300
    small["interval"]["calibration_folds"] = 3
    return small


@pytest.fixture(scope="session")
def demo_model_input() -> pd.DataFrame:
    return model_input_from_csv(DEMO_CATALOG)


@pytest.fixture(scope="session")
def real_model_input(real_data_path: Path) -> pd.DataFrame:
    return model_input_from_csv(real_data_path)


@pytest.fixture
def params() -> dict[str, Any]:
    return training_params()


@pytest.fixture
def small_params() -> dict[str, Any]:
    return small_budget(training_params())
