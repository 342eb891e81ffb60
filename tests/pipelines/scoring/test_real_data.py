"""Real games as scoring days (``../shared/data/nintendo_games.csv``, read in place).

Evidence from outside the project's own fixtures: the real file's raw rows,
written as the day's batch columns, go through every node of the real scoring
pipeline with a model trained on another part of the same file. The rows never
enter the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from tests.conftest import quality_datasets
from tests.model_fixtures import quick_model
from tests.pipelines.scoring.conftest import RUN_DATE
from tests.pipelines.training.conftest import model_input_from_csv
from user_score.contracts import BATCH_COLUMNS
from user_score.features import stable_hash
from user_score.pipelines.scoring import create_pipeline
from user_score.pipelines.scoring.params import ScoringParams

pytestmark = pytest.mark.real_data

CUTOFF_YEAR = 2014  # train before, score from: a new period, mostly new titles


@pytest.fixture(scope="module")
def real_tables(real_data_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real raw rows (every column as text, ``game_id`` added) and their model input."""
    raw = pd.read_csv(
        real_data_path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )
    raw["game_id"] = raw["link"].map(stable_hash).astype(str)
    return raw, model_input_from_csv(real_data_path)


def as_batch(raw: pd.DataFrame) -> pd.DataFrame:
    """Raw catalog rows as a scoring day: the batch's eight columns, ``id`` = the game id."""
    return raw.assign(id=raw["game_id"]).loc[:, list(BATCH_COLUMNS)].reset_index(drop=True)


def score_day(batch: pd.DataFrame, model: Any) -> dict[str, Any]:
    catalog = DataCatalog(
        {
            "batch_input": MemoryDataset(batch),
            "model": MemoryDataset(model, copy_mode="assign"),
            "params:run_date": MemoryDataset(RUN_DATE),
            "params:scoring": MemoryDataset(ScoringParams(chunk_size=200_000)),
            **quality_datasets(),
        }
    )
    SequentialRunner().run(create_pipeline(), catalog)
    names = ("predictions@csv", "scoring_quarantine", "scoring_summary")
    return {name: catalog.load(name) for name in names}


def oof_model(train: pd.DataFrame) -> Any:
    """A quick model whose 80 % interval is calibrated on 2-fold out-of-fold residuals."""
    halves = np.arange(len(train)) % 2
    residuals = np.empty(len(train))
    for half in (0, 1):
        fit, held = train[halves != half], train[halves == half]
        residuals[halves == half] = (
            held["user_score"]
            - quick_model(fit, fit["user_score"]).predict(held)["predicted_user_score"].to_numpy()
        )
    return quick_model(train, train["user_score"], residuals=residuals)


def test_a_day_of_new_real_games_is_scored_accounted_for_and_better_than_the_mean(real_tables):
    raw, model_input = real_tables
    labelled = model_input[model_input["is_labelled"]]
    train = labelled[labelled["release_year"] < CUTOFF_YEAR]
    model = oof_model(train)
    later = model_input.loc[model_input["release_year"] >= CUTOFF_YEAR, "game_id"]
    day = as_batch(raw[raw["game_id"].isin(later)])
    assert len(day) > 150 and not day["id"].isin(train["game_id"]).any()

    result = score_day(day, model)
    summary, predictions = result["scoring_summary"], result["predictions@csv"]
    assert summary["rows_in"] == len(day) == summary["rows_scored"] + summary["rows_quarantined"]
    assert (result["scoring_quarantine"]["reason"].str.len() > 0).all()
    assert summary["rows_scored"] >= 0.95 * len(day)  # real rows are valid rows
    assert predictions["prediction_lower"].le(predictions["predicted_user_score"]).all()
    assert predictions["predicted_user_score"].le(predictions["prediction_upper"]).all()

    truth = labelled.set_index("game_id")["user_score"]
    scored = predictions.join(truth, on="id", how="inner")
    assert len(scored) > 100
    error = (scored["user_score"] - scored["predicted_user_score"]).abs().mean()
    mean_error = (scored["user_score"] - train["user_score"].mean()).abs().mean()
    assert error < 0.9 * mean_error, (error, mean_error)
    inside = scored["user_score"].between(scored["prediction_lower"], scored["prediction_upper"])
    assert 0.6 <= inside.mean() <= 0.95, inside.mean()


def test_real_games_scored_as_a_day_get_the_predictions_training_computed(real_tables):
    """Known games re-scored: the raw rows through scoring give exactly the model's
    predictions on data_engineering's features of the same games (training/scoring parity
    on real text: titles, dates, list strings as the real export writes them)."""
    raw, model_input = real_tables
    labelled = model_input[model_input["is_labelled"]]
    model = quick_model(labelled, labelled["user_score"])
    result = score_day(as_batch(raw[raw["game_id"].isin(labelled["game_id"])]), model)
    # The export lists a few games twice (same link): data_engineering keeps the most
    # complete row; in a day an id given twice is ambiguous, and every copy is quarantined.
    twice = raw.loc[raw["game_id"].duplicated(keep=False), "game_id"]
    quarantine = result["scoring_quarantine"]
    assert set(quarantine["id"]) == set(twice) & set(labelled["game_id"])
    assert (quarantine["reason"] == "id: unique").all()

    once = labelled[~labelled["game_id"].isin(twice)]
    expected = model.predict(once)["predicted_user_score"].to_numpy()
    predictions = result["predictions@csv"].set_index("id")
    got = predictions.loc[once["game_id"], "predicted_user_score"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_the_real_file_as_a_day_in_blocks_gives_the_files_of_the_scoring_pipeline(real_tables):
    """All 1,026 real rows (titles with commas, quotes and accents, already-known games) as
    one day, through ``scoring_chunked`` in blocks of 4 KiB (~25 blocks) against ``scoring``:
    the same predictions and quarantine byte for byte, the same features and summary."""
    from tests.reliability.test_hostile_scoring_chunked import assert_same, both_paths

    raw, model_input = real_tables
    labelled = model_input[model_input["is_labelled"]]
    residuals = np.random.default_rng(0).normal(0.0, 0.7, len(labelled))  # (stand-ins)
    model = quick_model(labelled, labelled["user_score"], residuals=residuals)
    content = as_batch(raw).to_csv(index=False).encode("utf-8")
    expected, chunked = both_paths(content, model, block_bytes=4096)
    assert_same(expected, chunked)
    assert chunked["scoring_summary"]["rows_in"] == len(raw)
