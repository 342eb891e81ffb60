"""Fixtures for scoring reliability tests: a project copy with a small trained model."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from kedro.io import Version

from tests.conftest import DEMO_CATALOG, KEDRO, copy_project, kedro_child_env, quality_datasets
from tests.model_fixtures import quick_model
from user_score.datasets import ModelArtifactDataset
from user_score.demo_data import generate_games, to_batch_input


def write_csv(rows: list[dict[str, Any]], columns: list[str], sep: str = ",") -> str:
    """``rows`` as CSV text under the header ``columns`` (keys not in it are ignored)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=sep, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def small_model() -> Any:
    """A quickly fitted ``UserScoreModel`` on the demo catalog (same artifact type as training)."""
    from kedro.io import DataCatalog, MemoryDataset
    from kedro.runner import SequentialRunner

    from user_score.model import DEFAULT_LGBM
    from user_score.pipelines.data_engineering import create_pipeline

    raw = pd.read_csv(DEMO_CATALOG, dtype=str, encoding="utf-8-sig")
    catalog = DataCatalog({"raw_games": MemoryDataset(raw), **quality_datasets()})
    SequentialRunner().run(create_pipeline(), catalog)
    table = catalog.load("model_input_table")
    labelled = table[table["is_labelled"]]
    return quick_model(
        labelled,
        labelled["user_score"],
        # Stand-in residuals for the interval calibration (training uses out-of-fold ones).
        np.random.default_rng(0).normal(0.0, 0.8, len(labelled)),
        components={"lightgbm": {**DEFAULT_LGBM, "n_estimators": 30}},
        metadata={"model_version": "reliability-test"},
    )


@pytest.fixture(scope="session")
def trained_model() -> Any:
    return small_model()


def model_path(project: Path) -> Path:
    return project / "data" / "06_models" / "model.pkl"


@pytest.fixture(scope="session")
def scoring_project(tmp_path_factory: pytest.TempPathFactory, trained_model: Any) -> Path:
    """A project copy whose model store holds a small model saved as training saves it."""
    project = copy_project(tmp_path_factory.mktemp("scoring") / "project")
    ModelArtifactDataset(filepath=str(model_path(project)), version=Version(None, None)).save(
        trained_model
    )
    return project


def batch_frame(rows: int, seed: int = 11, id_prefix: str = "b") -> pd.DataFrame:
    """``rows`` raw batch rows with unique ids (demo games repeated when rows is large)."""
    base = to_batch_input(generate_games(min(rows, 5_000), seed), id_prefix)
    repeats = -(-rows // len(base))
    frame = pd.concat([base] * repeats, ignore_index=True).iloc[:rows].copy()
    frame["id"] = [f"{id_prefix}-{i:08d}" for i in range(rows)]
    return frame


def write_batch(project: Path, run_date: str, frame: pd.DataFrame) -> Path:
    path = project / "data" / "prod" / "input" / f"dt={run_date}" / "input.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def kedro_command(run_date: str, *extra: str) -> list[str]:
    return [KEDRO, "run", "--pipelines", "scoring", "--params", f"run_date={run_date}", *extra]


def start_kedro(project: Path, run_date: str, env: dict[str, str] | None = None):
    return subprocess.Popen(
        kedro_command(run_date),
        cwd=project,
        env=kedro_child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_kedro(project: Path, run_date: str, env: dict[str, str] | None = None):
    return subprocess.run(
        kedro_command(run_date),
        cwd=project,
        env=kedro_child_env(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def scoring_outputs(project: Path, run_date: str) -> dict[str, Path]:
    data = project / "data"
    return {
        "predictions": data / f"prod/predictions/dt={run_date}/predictions.csv",
        "scored_features": data / f"prod/features/dt={run_date}/features.parquet",
        "scoring_summary": data / f"08_reporting/scoring/dt={run_date}/scoring_summary.json",
        "scoring_quarantine": data / f"08_reporting/scoring/dt={run_date}/scoring_quarantine.csv",
    }
