"""The model artifact: API, round trip through the catalog, intervals, no target leakage."""

from __future__ import annotations

import copy
import io
import pickle

import numpy as np
import pandas as pd
import pytest
from kedro.io import Version
from kedro_datasets.pickle import PickleDataset

from user_score.datasets import ModelArtifactDataset
from user_score.model import (
    ARTIFACT_FORMAT,
    HISTORY_COLUMNS,
    INPUT_FEATURES,
    FeaturePreprocessor,
    LinearTextModel,
    UserScoreModel,
    conformal_offsets,
    critic_baseline,
    release_time,
)
from user_score.pipelines.training.candidates import fit_user_score_model, tune_lightgbm
from user_score.pipelines.training.nodes import select_training_rows


@pytest.fixture(scope="module")
def fitted(demo_model_input):
    from tests.pipelines.training.conftest import small_budget, training_params

    params = small_budget(training_params())
    rows = select_training_rows(demo_model_input, params)
    train, test = rows.iloc[:700], rows.iloc[700:900]
    residuals = np.random.default_rng(0).normal(0, 0.6, 500)
    groups = np.where(np.arange(500) < 100, "meta_missing", "meta_known")
    residuals[:100] *= 2  # games without a critic score: wider
    model = fit_user_score_model(
        train,
        train["user_score"],
        train["base_title"],
        params,
        blend_weight=0.5,
        oof_residuals=residuals,
        oof_groups=groups,
        metadata={"model_version": "test-1", "metrics": {"cv": {"mae": 0.5}}},
    )
    return model, train, test


def test_predict_returns_the_public_columns_clipped_and_ordered(fitted):
    model, _, test = fitted
    predicted = model.predict(test[INPUT_FEATURES])  # scoring passes only the features
    assert list(predicted.columns) == [
        "predicted_user_score",
        "prediction_lower",
        "prediction_upper",
    ]
    assert predicted.index.equals(test.index)
    assert predicted.to_numpy().min() >= 0 and predicted.to_numpy().max() <= 10
    assert (predicted["prediction_lower"] <= predicted["predicted_user_score"]).all()
    assert (predicted["predicted_user_score"] <= predicted["prediction_upper"]).all()
    np.testing.assert_allclose(model.predict_point(test), predicted["predicted_user_score"])
    assert model.model_version == "test-1"
    assert model.metadata["metrics"]["cv"]["mae"] == 0.5
    assert set(model.preprocessor.unseen_counts(test)) >= {"platform", "genres", "developers"}
    assert model.features_hash(test).str.len().eq(16).all()


def test_interval_is_wider_for_games_without_a_critic_score(fitted):
    model, _, test = fitted
    predicted = model.predict(test)
    width = predicted["prediction_upper"] - predicted["prediction_lower"]
    missing = test["meta_score_missing"].astype(bool)
    assert missing.any() and (~missing).any()
    assert width[missing].median() > 1.5 * width[~missing].median()


def test_blend_is_the_weighted_mean_of_its_parts(fitted):
    model, _, test = fitted
    parts = model.predict_components(test)
    expected = np.clip(0.5 * parts["lightgbm"] + 0.5 * parts["linear"], 0, 10)
    np.testing.assert_allclose(model.predict_point(test), expected)


def test_artifact_round_trips_through_a_versioned_catalog_dataset(fitted, tmp_path):
    model, _, test = fitted
    dataset = PickleDataset(
        filepath=str(tmp_path / "06_models" / "model.pkl"), version=Version(None, None)
    )
    dataset.save(model)
    loaded = dataset.load()
    assert isinstance(loaded, UserScoreModel)
    pd.testing.assert_frame_equal(loaded.predict(test), model.predict(test))
    assert loaded.metadata == model.metadata
    assert len(list((tmp_path / "06_models" / "model.pkl").iterdir())) == 1  # one version


class _RecordingUnpickler(pickle.Unpickler):
    """The standard unpickler, noting every ``(module, name)`` global the pickle names."""

    def __init__(self, payload: bytes) -> None:
        super().__init__(io.BytesIO(payload))
        self.globals: set[tuple[str, str]] = set()

    def find_class(self, module: str, name: str):
        self.globals.add((module, name))
        return super().find_class(module, name)


def test_an_artifact_pickled_by_the_single_module_code_loads_and_predicts_the_same(
    fitted, tmp_path
):
    """Artifacts saved before the model package existed name ``user_score.model.<Class>``
    (the single-module ``model.py``), carry no ``artifact_format`` and still hold the removed
    ``min_developer_games`` parameter; they must load as format 1 and predict as before."""
    model, _, test = fitted
    legacy = copy.deepcopy(model)
    del legacy.__dict__["artifact_format"]
    legacy.preprocessor.params["min_developer_games"] = 1
    dataset = ModelArtifactDataset(filepath=str(tmp_path / "model.pkl"))
    dataset.save(legacy)

    reader = _RecordingUnpickler((tmp_path / "model.pkl").read_bytes())
    reader.load()
    assert {entry for entry in reader.globals if entry[0].startswith("user_score")} == {
        ("user_score.model", "UserScoreModel"),
        ("user_score.model", "FeaturePreprocessor"),
        ("user_score.model", "LinearTextModel"),
    }
    loaded = dataset.load()
    assert isinstance(loaded, UserScoreModel)
    assert loaded.artifact_format == 1
    pd.testing.assert_frame_equal(loaded.predict(test), model.predict(test), check_exact=True)
    pd.testing.assert_series_equal(loaded.features_hash(test), model.features_hash(test))
    assert loaded.preprocessor.unseen_counts(test) == model.preprocessor.unseen_counts(test)


def test_an_artifact_of_a_newer_format_is_refused_on_load(fitted):
    model, _, _ = fitted
    newer = copy.copy(model)
    newer.artifact_format = ARTIFACT_FORMAT + 1
    payload = pickle.dumps(newer)
    assert pickle.loads(pickle.dumps(model)).artifact_format == ARTIFACT_FORMAT
    with pytest.raises(ValueError, match=f"format {ARTIFACT_FORMAT + 1} is newer"):
        pickle.loads(payload)


def test_conformal_offsets_cover_new_draws_at_the_requested_level():
    rng = np.random.default_rng(1)
    calibration = rng.standard_t(4, 2000)
    low, high = conformal_offsets(calibration, 0.8)
    fresh = rng.standard_t(4, 20000)
    coverage = np.mean((fresh >= low) & (fresh <= high))
    assert abs(coverage - 0.8) < 0.02
    assert low < 0 < high


def test_target_encodings_of_training_rows_are_out_of_fold(demo_model_input, params):
    rows = select_training_rows(demo_model_input, params).iloc[:400]
    y = rows["user_score"]
    matrix = FeaturePreprocessor().fit_transform(rows, y)
    shifted = y.copy()
    shifted.iloc[0] += 5.0  # a row's own target must not move its own encoding
    again = FeaturePreprocessor().fit_transform(rows, shifted)
    assert again.iloc[0]["franchise_te"] == matrix.iloc[0]["franchise_te"]
    assert again.iloc[0]["developer_te"] == matrix.iloc[0]["developer_te"]
    for column in ("franchise_hist_te", "developer_hist_te"):
        assert again.iloc[0][column] == matrix.iloc[0][column] or (
            np.isnan(again.iloc[0][column]) and np.isnan(matrix.iloc[0][column])
        )


def test_track_record_uses_only_earlier_training_games(demo_model_input, params):
    rows = select_training_rows(demo_model_input, params)
    held_out = rows["base_title"].isin(rows["base_title"].drop_duplicates().iloc[::5])
    train, test = rows.loc[~held_out], rows.loc[held_out]
    preprocessor = FeaturePreprocessor().fit(train, train["user_score"])
    fast = preprocessor.transform(test)[HISTORY_COLUMNS]
    # the vectorised scoring path equals the exact pairwise definition (new base titles)
    residual = (train["user_score"] - critic_baseline(train, train["user_score"])).to_numpy()
    exact = preprocessor._training_history(test, train, residual)[HISTORY_COLUMNS]
    pd.testing.assert_frame_equal(fast, exact, rtol=1e-9)
    assert (fast["developer_prev_n"] > 0).any() and fast["franchise_hist_te"].notna().any()
    # dropping the training games released after every test game changes no count
    later = release_time(train) > release_time(test).max()
    assert later.any()
    kept = train.loc[~later]
    without_later = FeaturePreprocessor().fit(kept, kept["user_score"]).transform(test)
    counts = ["franchise_prev_n", "developer_prev_n"]
    np.testing.assert_array_equal(without_later[counts].to_numpy(), fast[counts].to_numpy())


def test_linear_model_reads_only_model_input_features(demo_model_input, params):
    rows = select_training_rows(demo_model_input, params).iloc[:300]
    model = LinearTextModel(params["linear"]).fit(rows[INPUT_FEATURES], rows["user_score"])
    prediction = model.predict(rows[INPUT_FEATURES])
    assert np.corrcoef(prediction, rows["user_score"])[0, 1] > 0.5
    contributions = model.contributions(rows, model.column_means(rows))
    assert {"meta_score", "release_year", "title", "genres"} <= set(contributions.columns)
    # contributions add up to the prediction minus the average prediction
    np.testing.assert_allclose(contributions.sum(axis=1), prediction - prediction.mean(), atol=1e-8)


def test_tuning_picks_the_config_with_the_lowest_inner_cv_error(demo_model_input, params):
    rows = select_training_rows(demo_model_input, params).iloc[:400]
    matrix = FeaturePreprocessor().fit_transform(rows, rows["user_score"])
    settings = {
        "base": params["lightgbm"]["base"],
        "tuning": {**params["lightgbm"]["tuning"], "max_rounds": 200},
    }
    best, trials = tune_lightgbm(matrix, rows["user_score"], rows["base_title"], settings)
    assert len(trials) == len(settings["tuning"]["grid"])
    winner = min(trials, key=lambda trial: trial["inner_cv_l2"])
    assert best["num_leaves"] == winner["params"]["num_leaves"]
    assert best["n_estimators"] == winner["rounds"] <= 200


def test_batch_prediction_per_distinct_value_equals_row_by_row(fitted):
    """predict/transform/features_hash/unseen_counts work per distinct value (lists grouped
    by object, then by content; TF-IDF per distinct title); each row must get exactly
    what it gets when scored alone."""
    model, _, test = fitted
    rows = test[INPUT_FEATURES].iloc[:30]
    picks = np.random.default_rng(3).integers(0, len(rows), 90)
    batch = rows.iloc[picks].reset_index(drop=True)
    # Equal lists in distinct objects, shared objects, a missing list, unseen categories.
    batch["developers"] = [list(names) for names in batch["developers"]]
    batch.loc[5, "developers"] = None
    batch.loc[7, "genres"] = ["Brand New Genre"]
    batch.loc[8, "platform"] = "NEWCONSOLE"
    batch.loc[9, "esrb_rating"] = "NEW-RATING"

    alone = [batch.iloc[[i]] for i in range(len(batch))]
    pd.testing.assert_frame_equal(
        model.predict(batch), pd.concat([model.predict(row) for row in alone])
    )
    pd.testing.assert_frame_equal(
        model.transform(batch), pd.concat([model.transform(row) for row in alone])
    )
    assert model.features_hash(batch).tolist() == [
        model.features_hash(row).iloc[0] for row in alone
    ]
    counts = [model.preprocessor.unseen_counts(row) for row in alone]
    assert model.preprocessor.unseen_counts(batch) == {
        column: sum(count[column] for count in counts) for column in counts[0]
    }
    assert model.preprocessor.unseen_counts(batch)["platform"] >= 1
