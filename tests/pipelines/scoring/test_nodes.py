"""Scoring nodes: row contract and quarantine, invariants, unseen categories, feature parity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from tests.conftest import DEMO_CATALOG, quality_datasets
from tests.pipelines.scoring.conftest import RUN_DATE, SCORING_PARAMS, batch_frame, batch_row
from user_score.features import stable_hash
from user_score.model import INPUT_FEATURES
from user_score.params import RunDate
from user_score.pipelines.data_engineering.nodes import split_raw_games
from user_score.pipelines.scoring import create_pipeline
from user_score.pipelines.scoring.nodes import (
    PREDICTION_COLUMNS,
    build_scoring_features,
    build_scoring_quarantine,
    predict_batch,
    summarise_scoring,
    validate_batch_input,
)
from user_score.pipelines.scoring.params import ScoringParams


def score(batch: pd.DataFrame, model, params=SCORING_PARAMS):
    """Run the scoring node functions in order, as the pipeline does."""
    valid, rejected, intake = validate_batch_input(batch, RUN_DATE)
    features = build_scoring_features(valid)
    predictions, scored, report = predict_batch(features, model, RUN_DATE, params)
    quarantine = build_scoring_quarantine(rejected, report)
    summary = summarise_scoring(intake, rejected, report)
    return predictions, scored, quarantine, summary


MIXED = batch_frame(
    batch_row(id="ok-1"),
    batch_row(id="ok-2", date="Feb 12, 2021", meta_score=None, esrb_rating=None),
    batch_row(id="ok-3", date="TBA", developers=None, genres=None, title=None),
    batch_row(id="bad-meta", meta_score="150"),
    batch_row(id="bad-date", date="Feb 30, 2020"),
    batch_row(id="cancelled", date="Canceled"),
    batch_row(id="bad-genres", genres="Action, Platformer"),
    batch_row(id="no-platform", platform=None),
    batch_row(id="scrape-error", platform="TG16)"),
    batch_row(id=None),
    batch_row(id="twice", title="First copy"),
    batch_row(id="twice", title="Second copy"),
)


def test_mixed_batch_keeps_every_row_accounted_for(demo_model):
    predictions, scored, quarantine, summary = score(MIXED, demo_model)
    assert summary["rows_in"] == len(MIXED) == 12
    assert summary["rows_scored"] + summary["rows_quarantined"] == summary["rows_in"]
    assert summary["invariant_holds"]
    assert predictions["id"].tolist() == ["ok-1", "ok-2", "ok-3"]
    assert scored["id"].tolist() == predictions["id"].tolist()
    reasons = dict(zip(quarantine["source_row"], quarantine["reason"], strict=True))
    assert reasons == {
        3: "meta_score: number_in_range(0,100)",
        4: "date: release_date_format",
        5: "date: not_cancelled",
        6: "genres: list_string",
        7: "platform: not_nullable",
        8: "platform: plausible_platform_name",
        9: "id: not_nullable",
        10: "id: unique",
        11: "id: unique",
    }
    assert summary["quarantine_reasons"]["id: unique"] == 2
    # Rejected rows are kept unchanged (as text), with their reason.
    assert quarantine.loc[quarantine["source_row"] == 3, "meta_score"].item() == "150"
    assert quarantine.loc[quarantine["source_row"] == 11, "title"].item() == "Second copy"


def test_predictions_have_the_public_schema(demo_model):
    predictions, scored, _, summary = score(MIXED, demo_model)
    assert list(predictions.columns) == PREDICTION_COLUMNS
    assert list(scored.columns) == ["id", *INPUT_FEATURES]
    assert (predictions["prediction_date"] == "2021-03-01").all()
    assert (predictions["model_version"] == "test-model").all()
    assert predictions["features_hash"].str.fullmatch(r"[0-9a-f]{16}").all()
    point = predictions["predicted_user_score"]
    assert point.between(0, 10).all()
    assert (predictions["prediction_lower"] <= point).all()
    assert (point <= predictions["prediction_upper"]).all()
    assert summary["model_version"] == "test-model"


def test_a_leaked_user_score_column_is_ignored(demo_model):
    clean, *_ = score(MIXED, demo_model)
    leaked = MIXED.assign(user_score="0.5", link="/game/switch/x")
    predictions, scored, quarantine, summary = score(leaked, demo_model)
    pd.testing.assert_frame_equal(predictions, clean)
    assert "user_score" not in scored.columns and "user_score" not in quarantine.columns
    assert summary["ignored_columns"] == ["user_score", "link"]


def test_unseen_categories_are_scored_and_counted(demo_model):
    batch = batch_frame(
        batch_row(id="a", platform="PlayStation 9"),
        batch_row(id="b", esrb_rating="XX"),
        batch_row(id="c", genres="['Brand New Genre']"),
        batch_row(id="d", developers="['Unknown Studio']"),
        batch_row(id="e"),
    )
    predictions, _, quarantine, summary = score(batch, demo_model)
    assert quarantine.empty
    assert len(predictions) == 5 and predictions["predicted_user_score"].notna().all()
    assert summary["unseen_categories"] == {
        "platform": 1,
        "esrb_rating": 1,
        "genres": 1,
        "developers": 1,
    }


def test_results_do_not_depend_on_the_chunk_size(demo_model):
    one_chunk, *_ = score(MIXED, demo_model, ScoringParams(chunk_size=10_000))
    tiny_chunks, *_ = score(MIXED, demo_model, ScoringParams(chunk_size=1))
    pd.testing.assert_frame_equal(one_chunk, tiny_chunks)


def test_an_empty_day_is_scored_as_zero_rows(demo_model):
    predictions, scored, quarantine, summary = score(batch_frame(), demo_model)
    assert (summary["rows_in"], summary["rows_scored"], summary["rows_quarantined"]) == (0, 0, 0)
    assert list(predictions.columns) == PREDICTION_COLUMNS and predictions.empty
    assert scored.empty and quarantine.empty


def test_a_lost_row_fails_the_summary():
    intake = {
        "run_date": "2021-03-01",
        "rows_in": 3,
        "ignored_columns": [],
        "meta_score_scale_suspect": False,
    }
    report = {
        "model_version": "m",
        "unseen_categories": {},
        "rows_scored": 1,
        "ids_scored_twice": 0,
    }
    rejected = pd.DataFrame({"reason": ["id: unique"]})
    with pytest.raises(ValueError, match="lost rows"):
        summarise_scoring(intake, rejected, report)


def test_the_nodes_read_no_clock(demo_model):
    """Timings are the NodeTimingHook's: the same day gives the same summary, byte for byte."""
    *_, first = score(MIXED, demo_model)
    *_, second = score(MIXED, demo_model)
    assert first == second
    assert not any("second" in key or "duration" in key for key in first)


@pytest.mark.parametrize(
    "bad", ["2021-02-30", "01/03/2021", "", "2021-3-1", " 2021-03-01", 20210301, "2021-03-01T00:00"]
)
def test_run_date_must_be_a_calendar_day(bad):
    with pytest.raises(ValueError, match="run_date"):
        RunDate(bad)
    assert RunDate("2020-02-29").iso == "2020-02-29"


def _model_input_rows_as_a_batch(demo_games) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw rows behind model_input_table, formatted as a daily batch (id = game_id)."""
    games, table = demo_games
    valid, _, _ = split_raw_games(pd.read_csv(DEMO_CATALOG, dtype=str))
    valid = valid.assign(link=valid["link"].str.strip())
    # One raw row per game, and no platform repaired from the link (a batch has no link).
    single = valid[~valid["link"].duplicated(keep=False)]
    single = single[single["link"].isin(games.loc[~games["platform_repaired"], "link"])]
    batch = single.assign(id=single["link"].map(stable_hash))
    expected = table.set_index("game_id").loc[batch["id"]]
    return batch.drop(columns=["source_row", "link", "user_score"]), expected


def test_feature_parity_with_training(demo_games, demo_model):
    """model_input_table rows scored by the pipeline get exactly the model's own predictions."""
    batch, expected = _model_input_rows_as_a_batch(demo_games)
    assert len(batch) > 1500
    catalog = DataCatalog(
        {
            "batch_input": MemoryDataset(batch),
            "model": MemoryDataset(demo_model, copy_mode="assign"),
            "params:run_date": MemoryDataset(RUN_DATE),
            "params:scoring": MemoryDataset(ScoringParams(chunk_size=200_000)),
            **quality_datasets(),
        }
    )
    SequentialRunner().run(create_pipeline(), catalog)
    predictions = catalog.load("predictions@csv")
    scored = catalog.load("scored_features@parquet")
    assert catalog.load("scoring_summary")["rows_quarantined"] == 0
    assert predictions["id"].tolist() == batch["id"].tolist()
    pd.testing.assert_frame_equal(
        scored[INPUT_FEATURES].reset_index(drop=True),
        expected[INPUT_FEATURES].reset_index(drop=True),
        check_dtype=False,
    )
    direct = demo_model.predict(expected[INPUT_FEATURES].reset_index(drop=True))
    for column in ("predicted_user_score", "prediction_lower", "prediction_upper"):
        np.testing.assert_array_equal(predictions[column].to_numpy(), direct[column].to_numpy())
    assert (
        predictions["features_hash"].tolist()
        == demo_model.features_hash(expected[INPUT_FEATURES].reset_index(drop=True)).tolist()
    )
