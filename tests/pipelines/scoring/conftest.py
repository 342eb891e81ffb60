"""Fixtures for scoring tests: the demo model input table and a small model fitted on it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.conftest import DEMO_CATALOG
from tests.model_fixtures import quick_model
from user_score.contracts import BATCH_COLUMNS
from user_score.model import NoveltyIntervals, UserScoreModel
from user_score.params import RunDate
from user_score.pipelines.data_engineering.nodes import (
    clean_games,
    create_model_input_table,
    split_raw_games,
)
from user_score.pipelines.scoring.params import ScoringParams


@pytest.fixture(scope="session")
def demo_games() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(games_clean, model_input_table)`` of the embedded demo catalog."""
    valid, _, _ = split_raw_games(pd.read_csv(DEMO_CATALOG, dtype=str))
    games, _ = clean_games(valid)
    return games, create_model_input_table(games)


@pytest.fixture(scope="session")
def demo_model(demo_games) -> UserScoreModel:
    """The deployed kind of model, small: LightGBM (few trees) + ridge blend fitted on the
    labelled demo rows, with intervals per novelty cell (critic score x franchise) from
    stand-in residuals, half of them flagged as from new franchises."""
    _, table = demo_games
    labelled = table[table["is_labelled"]].reset_index(drop=True)
    model = quick_model(
        labelled,
        labelled["user_score"],
        components={"lightgbm": {"n_estimators": 40}, "linear": {}},
        weights={"lightgbm": 0.5, "linear": 0.5},
        metadata={"model_version": "test-model"},
    )
    rng = np.random.default_rng(0)
    flags = model.novelty_flags(labelled)
    flags["franchise"] = np.where(rng.random(len(flags)) < 0.5, "new", "known")
    residuals = rng.normal(0.0, 0.6, len(labelled)) * np.where(flags["franchise"] == "new", 1.5, 1)
    intervals = NoveltyIntervals.calibrate(residuals, flags, ["meta", "franchise"], 0.8, 100)
    return model.with_intervals(intervals)


def batch_row(**overrides: Any) -> dict[str, Any]:
    """One valid batch row (text values, as the CSV is read)."""
    row = {
        "id": "g-1",
        "title": "Star Quest",
        "platform": "Switch",
        "date": "2020-05-01",
        "meta_score": "80",
        "esrb_rating": "E",
        "developers": "['Nintendo']",
        "genres": "['Action', 'Platformer']",
    }
    row.update(overrides)
    return row


def batch_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(BATCH_COLUMNS)).astype(object)


RUN_DATE = RunDate("2021-03-01")
SCORING_PARAMS = ScoringParams(chunk_size=3)
