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
    CriticLine,
    FeaturePreprocessor,
    LinearTextModel,
    NoveltyIntervals,
    NoveltyProfile,
    UserScoreModel,
    conformal_offsets,
    critic_baseline,
    release_time,
)
from user_score.pipelines.training.candidates import fit_components, recipe, tune_lightgbm
from user_score.pipelines.training.nodes import select_training_rows

BLEND = "lightgbm_linear_blend_titles"


@pytest.fixture(scope="module")
def fitted(demo_model_input):
    from tests.pipelines.training.conftest import small_budget, training_params

    params = small_budget(training_params())
    rows = select_training_rows(demo_model_input, params)
    train, test = rows.iloc[:700], rows.iloc[700:900]
    model = fit_components(
        [BLEND],
        train,
        train["user_score"],
        train["base_title"],
        params,
        weights=recipe(BLEND, params),
        metadata={"model_version": "test-1", "metrics": {"cv": {"mae": 0.5}}},
    )
    calibration = train.iloc[:500]
    residuals = np.random.default_rng(0).normal(0, 0.6, len(calibration))
    residuals[calibration["meta_score_missing"].to_numpy()] *= 2  # no critic score: wider
    flags = model.novelty_flags(calibration)
    model.with_intervals(NoveltyIntervals.calibrate(residuals, flags, ["meta"], 0.8, 30))
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
    assert set(model.interval_cell(test)) == {"meta=present", "meta=missing"}


def test_point_prediction_is_the_weighted_sum_of_its_components(fitted):
    model, _, test = fitted
    assert model.weights == {"lightgbm": 0.5, "linear_titles": 0.5}
    parts = model.predict_components(test)
    expected = np.clip(0.5 * parts["lightgbm"] + 0.5 * parts["linear_titles"], 0, 10)
    np.testing.assert_allclose(model.predict_point(test), expected)


def test_the_artifact_holds_only_the_components_of_its_recipe(demo_model_input, small_params):
    rows = select_training_rows(demo_model_input, small_params).iloc[:400]
    backbone = fit_components(
        ["critic_backbone"],
        rows,
        rows["user_score"],
        rows["base_title"],
        small_params,
        weights=recipe("critic_backbone", small_params),
    )
    assert set(backbone.components) == {"critic", "lightgbm_residual"}
    parts = backbone.predict_components(rows)
    line = CriticLine().fit(rows, rows["user_score"]).predict(rows)
    np.testing.assert_allclose(parts["critic"], line)
    shrink = small_params.backbone.shrinkage
    np.testing.assert_allclose(
        backbone.predict_point(rows), np.clip(line + shrink * parts["lightgbm_residual"], 0, 10)
    )
    # The correction is monotone in the critic score: raising it never lowers a game.
    higher = rows.assign(meta_score=rows["meta_score"] + 5)
    known = rows["meta_score"].notna().to_numpy()
    delta = backbone.predict_components(higher)["lightgbm_residual"] - parts["lightgbm_residual"]
    assert (delta.to_numpy()[known] >= -1e-12).all()


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


def _format_1(model: UserScoreModel) -> UserScoreModel:
    """``model`` with the pickled state a format-1 artifact had (the LightGBM/ridge blend)."""
    cells = model.intervals.cells
    linear = copy.deepcopy(model.components["linear_titles"])
    del linear.params["title_words"]  # format 1 always read title words
    legacy = UserScoreModel.__new__(UserScoreModel)
    legacy.__dict__.update(
        {
            "preprocessor": copy.deepcopy(model.preprocessor),
            "regressor": model.components["lightgbm"],
            "interval_offsets": (cells["all"]["low"], cells["all"]["high"]),
            "metadata": dict(model.metadata),
            "interval_level": 0.8,
            "linear": linear,
            "blend_weight": 0.5,
            "group_offsets": {
                "meta_known": (cells["meta=present"]["low"], cells["meta=present"]["high"]),
                "meta_missing": (cells["meta=missing"]["low"], cells["meta=missing"]["high"]),
            },
        }
    )
    legacy.preprocessor.params["min_developer_games"] = 1  # a removed parameter
    return legacy


def test_a_format_1_artifact_loads_upgraded_and_predicts_the_same(fitted, tmp_path):
    """Artifacts saved by the LightGBM/ridge-blend code (format 1, named
    ``user_score.model.<Class>``, no ``artifact_format``) load as format 2 and predict,
    interval included, exactly as before."""
    model, _, test = fitted
    dataset = ModelArtifactDataset(filepath=str(tmp_path / "model.pkl"))
    dataset.save(_format_1(model))

    reader = _RecordingUnpickler((tmp_path / "model.pkl").read_bytes())
    reader.load()
    assert {entry for entry in reader.globals if entry[0].startswith("user_score")} == {
        ("user_score.model", "UserScoreModel"),
        ("user_score.model", "FeaturePreprocessor"),
        ("user_score.model", "LinearTextModel"),
    }
    loaded = dataset.load()
    assert isinstance(loaded, UserScoreModel)
    assert loaded.artifact_format == ARTIFACT_FORMAT
    assert loaded.weights == {"lightgbm": 0.5, "linear_titles": 0.5}
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


def test_novelty_flags_are_relative_to_the_training_games(fitted):
    model, train, test = fitted
    assert isinstance(model.novelty, NoveltyProfile)
    flags = model.novelty_flags(train)
    no_developer = train["developers"].map(lambda names: names is None or len(names) == 0)
    assert (flags["studio"] == "known").eq(~no_developer).all()
    assert (flags["franchise"] == "known").all()
    new = test.iloc[:3].copy()
    known = list(train.iloc[0]["developers"])
    new["developers"] = [["Brand New Studio"], None, ["Brand New Studio", *known]]
    new["franchise"] = ["never seen before", train.iloc[0]["franchise"], "never seen either"]
    flags = model.novelty_flags(new)
    assert flags["studio"].tolist() == ["unseen", "unseen", "known"]
    assert flags["franchise"].tolist() == ["new", "known", "new"]
    expected = np.where(new["meta_score"].isna(), "missing", "present")
    assert flags["meta"].tolist() == expected.tolist()


def test_intervals_fall_back_to_coarser_cells_with_too_few_residuals():
    rng = np.random.default_rng(2)
    flags = pd.DataFrame(
        {
            "meta": ["present"] * 300 + ["missing"] * 60,
            "franchise": (["known", "new"] * 150) + ["new"] * 50 + ["known"] * 10,
            "studio": "known",
        }
    )
    residuals = rng.normal(0, 1, len(flags))
    residuals[300:] *= 3
    intervals = NoveltyIntervals.calibrate(residuals, flags, ["meta", "franchise"], 0.8, 40)
    assert "meta=missing|franchise=known" not in intervals.cells  # 10 residuals
    assert {"meta=missing|franchise=new", "meta=missing", "all"} <= set(intervals.cells)
    probe = pd.DataFrame(
        {"meta": ["missing", "missing", "present"], "franchise": ["known", "new", "new"]}
    )
    assert intervals.cell_of(probe).tolist() == [
        "meta=missing",
        "meta=missing|franchise=new",
        "meta=present|franchise=new",
    ]
    low, high = intervals.row_offsets(probe)
    assert high[0] - low[0] > 2 * (high[2] - low[2])
    assert intervals.cells["all"]["n"] == len(flags)


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
    model = LinearTextModel({**params.linear.model_dump(), "title_words": True}).fit(
        rows[INPUT_FEATURES], rows["user_score"]
    )
    prediction = model.predict(rows[INPUT_FEATURES])
    assert np.corrcoef(prediction, rows["user_score"])[0, 1] > 0.5
    contributions = model.contributions(rows, model.column_means(rows))
    assert {"meta_score", "release_year", "base_title", "genres"} <= set(contributions.columns)
    # contributions add up to the prediction minus the average prediction
    np.testing.assert_allclose(contributions.sum(axis=1), prediction - prediction.mean(), atol=1e-8)


def test_tuning_picks_the_config_with_the_lowest_inner_cv_error(demo_model_input, params):
    rows = select_training_rows(demo_model_input, params).iloc[:400]
    matrix = FeaturePreprocessor().fit_transform(rows, rows["user_score"])
    settings = {
        "base": params.lightgbm.base,
        "tuning": {**params.lightgbm.tuning.model_dump(), "max_rounds": 200},
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
