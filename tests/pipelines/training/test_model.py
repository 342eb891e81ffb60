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

from tests.model_fixtures import with_intervals
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
    ResidualQuantiles,
    UserScoreModel,
    conformal_offsets,
    critic_baseline,
    quantile_inputs,
    release_time,
)
from user_score.model.history import training_history
from user_score.pipelines.training.candidates import fit_components, recipe, tune_lightgbm
from user_score.pipelines.training.nodes import select_training_rows

BLEND = "lightgbm_linear_blend_titles"


@pytest.fixture(scope="module")
def fitted(demo_model_input):
    from tests.pipelines.training.conftest import small_training, training_params_with

    params = training_params_with(small_training())
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
    with_intervals(model, *_calibration(train), method="offsets")
    return model, train, test


def _calibration(train: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The first 500 training rows and stand-in residuals (twice as wide without a critic score)."""
    calibration = train.iloc[:500]
    residuals = np.random.default_rng(0).normal(0, 0.6, len(calibration))
    residuals[calibration["meta_score_missing"].to_numpy()] *= 2
    return calibration, residuals


@pytest.fixture(scope="module")
def fitted_cqr(fitted):
    """The same model with the deployed intervals (residual quantiles + cell corrections)."""
    model, train, test = fitted
    model = copy.deepcopy(model)
    return with_intervals(model, *_calibration(train), method="cqr"), train, test


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


@pytest.mark.parametrize("method", ["offsets", "cqr"])
def test_interval_is_wider_for_games_without_a_critic_score(method, fitted, fitted_cqr):
    model, _, test = fitted if method == "offsets" else fitted_cqr
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


def _pairwise_track_record(
    features: pd.DataFrame, history_rows: pd.DataFrame, residual: np.ndarray, smoothing: float
) -> pd.DataFrame:
    """The track record's definition, one game and one key at a time (slow, obvious)."""
    times, source_times = release_time(features).to_numpy(), release_time(history_rows).to_numpy()
    columns = {}
    for kind, column in (("franchise", "franchise"), ("developer", "developers")):

        def names(value, kind=kind):
            if kind == "franchise":
                return [str(value)]  # one key per game, as written ("None" if missing)
            return [str(name) for name in (value if value is not None else ()) if not pd.isna(name)]

        source_names = [names(value) for value in history_rows[column]]
        stats = []
        for value, time, title in zip(features[column], times, features["base_title"], strict=True):
            matched = [
                (residual[j], source_times[j])
                for key in names(value)
                for j, keys in enumerate(source_names)
                for other in keys
                if other == key
                and source_times[j] < time
                and str(history_rows["base_title"].iloc[j]) != str(title)
            ]
            count = len(matched)
            total = sum(r for r, _ in matched)
            latest = max((t for _, t in matched), default=np.nan)
            stats.append((total / (count + smoothing) if count else np.nan, count, time - latest))
        for i, stat in enumerate(("hist_te", "prev_n", "since_prev")):
            columns[f"{kind}_{stat}"] = [row[i] for row in stats]
    return pd.DataFrame(columns, index=features.index)


def test_training_track_record_equals_its_pairwise_definition(demo_model_input, params):
    """Each game's track record from other training games: earlier ones only, not its own
    base title, a game's developers summed; also for missing names, months and years."""
    rows = select_training_rows(demo_model_input, params)
    query, source = rows.iloc[:120].copy(), rows.iloc[60:700].copy()
    developers = query.columns.get_loc("developers")
    query.iat[0, developers] = None
    query.iat[1, developers] = []
    query.iat[2, developers] = [*query.iat[2, developers], None, query.iat[2, developers][0]]
    query.iat[3, query.columns.get_loc("franchise")] = None
    query.iat[4, query.columns.get_loc("release_month")] = np.nan
    source.iat[5, source.columns.get_loc("release_year")] = np.nan
    residual = np.random.default_rng(3).normal(size=len(source))
    got = training_history(query, source, residual, 10.0)
    expected = _pairwise_track_record(query, source, residual, 10.0)
    assert (got["developer_prev_n"] > 0).sum() > 20 and (got["franchise_prev_n"] > 0).sum() > 5
    pd.testing.assert_frame_equal(
        got[list(expected.columns)], expected, check_dtype=False, rtol=1e-12
    )


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


def test_token_tfidf_from_parts_equals_the_vectorizer_on_whole_documents(demo_model_input, params):
    """The ridge's token rows are summed from each part's counts; they must be exactly the
    vectorizer's own rows of the joined documents (same sparse structure, same floats),
    with repeated names, empty lists, unseen tokens, a missing year and a 0-10 year."""
    rows = select_training_rows(demo_model_input, params)
    model = LinearTextModel(params.linear.model_dump()).fit(
        rows[INPUT_FEATURES].iloc[:600], rows["user_score"].iloc[:600]
    )
    features = rows[INPUT_FEATURES].iloc[500:].reset_index(drop=True)
    features.at[0, "developers"] = ["Nintendo", "Nintendo", "Game Freak"]
    features.at[1, "genres"] = []
    features.at[2, "developers"] = ["Nobody Ltd."]
    features.loc[3, "platform"] = "NEW CONSOLE"
    features.loc[4, "release_year"] = np.nan
    features.loc[5, "esrb_rating"] = "E10+"
    expected = model.token_vectorizer_.transform(model._token_docs(features))
    actual = model._token_tfidf(features)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual.indptr, expected.indptr)
    np.testing.assert_array_equal(actual.indices, expected.indices)
    np.testing.assert_array_equal(actual.data, expected.data)  # bit for bit


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


@pytest.fixture(scope="module")
def fitted_two_flags(fitted):
    """The model with fixed offsets per (critic score x franchise) cell, calibrated on
    held-out games (known and new franchises)."""
    model, train, test = fitted
    model = copy.deepcopy(model)
    calibration = test.iloc[100:200]
    residuals = np.random.default_rng(1).normal(0, 0.6, len(calibration))
    flags = model.novelty_flags(calibration)
    intervals = NoveltyIntervals.calibrate(residuals, flags, ["meta", "franchise"], 0.8, 5)
    assert any("|franchise=" in cell for cell in intervals.cells)
    return model.with_intervals(intervals), train, test


@pytest.mark.parametrize("intervals", ["fitted", "fitted_cqr", "fitted_two_flags"])
def test_batch_prediction_per_distinct_value_equals_row_by_row(intervals, request):
    """predict/transform/features_hash/unseen_counts work per distinct value (lists grouped
    by object, then by content; TF-IDF per distinct title and token document; track
    records per distinct key and date, one kind at a time; interval cells per distinct
    flags); each row must get exactly what it gets when scored alone."""
    model, _, test = request.getfixturevalue(intervals)
    rows = test[INPUT_FEATURES].iloc[:30]
    picks = np.random.default_rng(3).integers(0, len(rows), 90)
    batch = rows.iloc[picks].reset_index(drop=True)
    # Equal lists in distinct objects, shared objects, a missing list, unseen categories.
    batch["developers"] = [list(names) for names in batch["developers"]]
    batch.loc[5, "developers"] = None
    batch.loc[7, "genres"] = ["Brand New Genre"]
    batch.loc[8, "platform"] = "NEWCONSOLE"
    batch.loc[9, "esrb_rating"] = "NEW-RATING"
    # Copies of one game a year, three years and no year apart: the same studio and
    # franchise at other dates, in the same 3-year era or not.
    for row, shift in zip(range(60, 66), [1, 2, 3, 4, 9, np.nan], strict=True):
        batch.loc[row] = batch.loc[0]
        batch.loc[row, "developers"] = batch.loc[0, "developers"]
        batch.loc[row, "release_year"] = batch.loc[0, "release_year"] + shift

    alone = [batch.iloc[[i]] for i in range(len(batch))]
    pd.testing.assert_frame_equal(
        model.predict(batch), pd.concat([model.predict(row) for row in alone])
    )
    pd.testing.assert_frame_equal(
        model.transform(batch), pd.concat([model.transform(row) for row in alone])
    )
    cells = model.interval_cell(batch)
    pd.testing.assert_series_equal(cells, pd.concat([model.interval_cell(row) for row in alone]))
    if intervals == "fitted_two_flags":
        assert cells.str.contains("|franchise=", regex=False).any() and cells.nunique() > 2
    assert model.features_hash(batch).tolist() == [
        model.features_hash(row).iloc[0] for row in alone
    ]
    counts = [model.preprocessor.unseen_counts(row) for row in alone]
    assert model.preprocessor.unseen_counts(batch) == {
        column: sum(count[column] for count in counts) for column in counts[0]
    }
    assert model.preprocessor.unseen_counts(batch)["platform"] >= 1


def _heteroscedastic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Flags, inputs and residuals whose spread shrinks as the critic score rises."""
    rng = np.random.default_rng(seed)
    meta = rng.uniform(40, 95, n)
    flags = pd.DataFrame(
        {"meta": "present", "franchise": "known", "studio": "known"}, index=range(n)
    )
    inputs = quantile_inputs(flags, meta, np.full(n, 7.0))
    residuals = rng.normal(0, 0.2 + 0.03 * (95 - meta))
    return flags, inputs, residuals


def _quantiles(n_estimators: int) -> ResidualQuantiles:
    """Unfitted residual quantile models at 10 % / 90 %, training's settings but fewer trees."""
    lightgbm = {"learning_rate": 0.05, "num_leaves": 4, "min_child_samples": 40, "n_jobs": 1}
    return ResidualQuantiles(0.1, {**lightgbm, "n_estimators": n_estimators, "verbose": -1})


def test_cqr_intervals_follow_the_spread_and_cover_each_part_where_fixed_offsets_do_not():
    """Conformalized quantile regression: wide where errors are large (low critic scores),
    narrow where they are small, ~80 % in both halves; fixed offsets cover 80 % only on
    average (over-covering one half and under-covering the other)."""
    flags, inputs, residuals = _heteroscedastic(3000, 0)
    quantiles = _quantiles(n_estimators=100)
    cqr = NoveltyIntervals.calibrate(
        residuals, flags, ["meta"], 0.8, 30, quantiles=quantiles, inputs=inputs
    )
    offsets = NoveltyIntervals.calibrate(residuals, flags, ["meta"], 0.8, 30)
    assert (cqr.method, offsets.method) == ("cqr", "offsets")
    fresh_flags, fresh_inputs, fresh = _heteroscedastic(20000, 1)
    hard = fresh_inputs[:, 1] < 67.5  # the low-critic-score half
    low, high = cqr.row_offsets(fresh_flags, fresh_inputs)
    inside = (fresh >= low) & (fresh <= high)
    assert abs(inside[hard].mean() - 0.8) < 0.03 and abs(inside[~hard].mean() - 0.8) < 0.03
    assert np.median((high - low)[hard]) > 1.5 * np.median((high - low)[~hard])
    low, high = offsets.row_offsets(fresh_flags)
    inside = (fresh >= low) & (fresh <= high)
    assert inside[hard].mean() < 0.75
    assert inside[~hard].mean() > 0.85
    with pytest.raises(ValueError, match="critic score and prediction"):
        cqr.row_offsets(fresh_flags)


def test_a_cqr_artifact_round_trips_and_names_its_classes_by_the_package(fitted_cqr, tmp_path):
    model, _, test = fitted_cqr
    assert model.intervals.method == "cqr"
    assert model.metadata["interval"]["kind"] == "cqr"
    dataset = ModelArtifactDataset(filepath=str(tmp_path / "model.pkl"))
    dataset.save(model)
    reader = _RecordingUnpickler((tmp_path / "model.pkl").read_bytes())
    reader.load()
    assert ("user_score.model", "ResidualQuantiles") in reader.globals
    assert not {entry for entry in reader.globals if entry[0].startswith("user_score.model.")}
    loaded = dataset.load()
    pd.testing.assert_frame_equal(loaded.predict(test), model.predict(test), check_exact=True)
    low, high = loaded.row_offsets(test)
    assert np.ptp(high - low) > 0  # the width varies from row to row, not per cell only


def test_a_format_2_artifact_loads_and_predicts_exactly_as_before(fitted, tmp_path):
    """Format 2 (fixed offsets per cell; its pickled intervals have no ``quantiles``)."""
    model, _, test = fitted
    legacy = copy.deepcopy(model)
    legacy.artifact_format = 2
    del legacy.intervals.__dict__["quantiles"]  # format 2's pickled intervals had no such field
    payload = pickle.dumps(legacy)
    loaded = pickle.loads(payload)
    assert loaded.artifact_format == ARTIFACT_FORMAT
    assert loaded.intervals.method == "offsets"
    pd.testing.assert_frame_equal(loaded.predict(test), model.predict(test), check_exact=True)


def test_cqr_intervals_always_hold_the_point_and_keep_their_coverage_when_errors_are_one_sided():
    """Where the model over-predicts (every residual below 0), the quantiles alone would give
    an interval below the point; the scoring contract needs lower <= point <= upper, so the
    upper offset is 0, and the calibration accounts for it (coverage stays ~80 %)."""
    flags, inputs, residuals = _heteroscedastic(3000, 0)
    quantiles = _quantiles(n_estimators=60)
    shifted = -1.5 - np.abs(residuals)
    cqr = NoveltyIntervals.calibrate(
        shifted, flags, ["meta"], 0.8, 30, quantiles=quantiles, inputs=inputs
    )
    fresh_flags, fresh_inputs, fresh = _heteroscedastic(20000, 1)
    fresh = -1.5 - np.abs(fresh)
    low, high = cqr.row_offsets(fresh_flags, fresh_inputs)
    assert (low <= 0).all() and (high == 0).all()
    assert abs(np.mean((fresh >= low) & (fresh <= high)) - 0.8) < 0.02


def test_residual_quantiles_read_only_their_features():
    """``training.interval.quantiles.features`` picks columns of :func:`quantile_inputs`; an
    unknown name is an error naming the known ones."""
    _flags, inputs, residuals = _heteroscedastic(600, 3)
    params = {"n_estimators": 20, "min_child_samples": 20, "verbose": -1}
    subset = ResidualQuantiles(0.1, params, ("prediction", "meta_score")).fit(inputs, residuals)
    assert subset.features == ("meta_score", "prediction")  # QUANTILE_FEATURES order
    assert subset.low.n_features_in_ == 2
    shuffled = inputs.copy()
    shuffled[:, 0] = 1.0 - shuffled[:, 0]  # meta_missing: not read, so no effect
    np.testing.assert_array_equal(subset.predict(inputs)[0], subset.predict(shuffled)[0])
    with pytest.raises(ValueError, match="unknown quantile features"):
        ResidualQuantiles(0.1, params, ("title_length",))
