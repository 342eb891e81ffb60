"""Training nodes: protocols, selection, metrics schema, interval coverage, drivers, card."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from user_score.pipelines.training.candidates import ALL_CANDIDATES
from user_score.pipelines.training.evaluation import (
    grouped_repeated_kfold,
    random_holdout,
    time_backtest,
)
from user_score.pipelines.training.nodes import (
    evaluate_grouped_cv,
    evaluate_random_holdout,
    evaluate_time_backtest,
    select_model,
    select_training_rows,
    train_model,
)
from user_score.pipelines.training.reporting import (
    build_training_metrics,
    compute_feature_drivers,
    plot_feature_drivers,
    plot_predicted_vs_actual,
    plot_residuals,
    render_model_card,
)


def test_grouped_folds_never_split_a_group_and_cover_every_row_once_per_repeat():
    groups = pd.Series([f"g{i % 37}" for i in range(200)])
    seen = {}
    for repeat, _, train, test in grouped_repeated_kfold(groups, 5, 2, seed=3):
        assert not set(groups.iloc[train]) & set(groups.iloc[test])
        seen.setdefault(repeat, []).extend(test)
    assert all(sorted(rows) == list(range(200)) for rows in seen.values())
    first = [tuple(t) for r, _, _, t in grouped_repeated_kfold(groups, 5, 2, 3) if r == 0]
    second = [tuple(t) for r, _, _, t in grouped_repeated_kfold(groups, 5, 2, 3) if r == 1]
    assert first != second  # repeats reshuffle


def test_holdout_and_backtest_splits():
    train, test = random_holdout(100, 0.2, 42)
    assert len(test) == 20 and not set(train) & set(test)
    assert np.array_equal(test, random_holdout(100, 0.2, 42)[1])  # fixed seed
    years = pd.Series([2010, 2015, 2016, 2020, np.nan])
    train, test, undated = time_backtest(years, 2016)
    assert list(train) == [0, 1] and list(test) == [2, 3] and undated == 1


def test_select_training_rows_refuses_too_few_labels(demo_model_input, params):
    tiny = demo_model_input.loc[demo_model_input["is_labelled"]].head(6)
    with pytest.raises(ValueError, match="labelled rows"):
        select_training_rows(tiny, params)


@pytest.fixture(scope="module")
def run(demo_model_input):
    """Every training node once on the demo data with the CI budget."""
    from tests.pipelines.training.conftest import small_budget, training_params

    params = small_budget(training_params())
    rows = select_training_rows(demo_model_input, params)
    cv_results, cv_predictions = evaluate_grouped_cv(rows, params)
    selection, oof = select_model(cv_results, cv_predictions, params)
    holdout, holdout_predictions = evaluate_random_holdout(rows, selection, params)
    backtest, _ = evaluate_time_backtest(rows, params)
    model = train_model(rows, oof, selection, cv_results, params)
    drivers = compute_feature_drivers(model, rows)
    metrics = build_training_metrics(cv_results, holdout, backtest, selection, model, params)
    return {
        "params": params,
        "rows": rows,
        "oof": oof,
        "holdout_predictions": holdout_predictions,
        "model": model,
        "drivers": drivers,
        "metrics": metrics,
    }


def test_metrics_cover_every_candidate_under_every_protocol(run):
    metrics = json.loads(json.dumps(run["metrics"]))  # must be JSON-serialisable
    for protocol in ("grouped_cv", "random_holdout", "time_backtest"):
        candidates = metrics["protocols"][protocol]["candidates"]
        assert set(candidates) == set(ALL_CANDIDATES), protocol
    for summary in metrics["protocols"]["grouped_cv"]["candidates"].values():
        assert set(summary) >= {"mae", "rmse", "r2"}
        assert set(summary["r2"]) == {"mean", "std"}
    assert metrics["chosen_model"] in ("lightgbm", "lightgbm_linear_blend")
    original = metrics["targets"]["original"]
    assert (original["mae_max"], original["r2_min"]) == (0.60, 0.50)
    for result in original["by_protocol"].values():
        assert result["pass"] == (result["mae"] <= 0.60 and result["r2"] >= 0.50)
    quality = metrics["targets"]["quality"]
    assert quality["pass"] == (quality["cv_r2_mean"] >= 0.5 and quality["cv_mae_mean"] <= 0.5)
    coverage = metrics["interval"]["coverage_random_holdout"]
    assert set(coverage) >= {"coverage", "mean_width", "pass", "by_group"}


def test_models_beat_the_mean_baseline_and_the_model_carries_cv_metrics(run):
    cv = run["metrics"]["protocols"]["grouped_cv"]["candidates"]
    assert abs(cv["mean_baseline"]["r2"]["mean"]) < 0.05
    assert cv["lightgbm_linear_blend"]["r2"]["mean"] > cv["mean_baseline"]["r2"]["mean"] + 0.2
    model = run["model"]
    chosen = run["metrics"]["chosen_model"]
    assert model.metadata["metrics"]["cv"]["mae"] == pytest.approx(cv[chosen]["mae"]["mean"])
    assert model.model_version.endswith(model.metadata["training_data_fingerprint"][:8])
    assert model.metadata["model_type"] == chosen


def test_oof_predictions_schema_and_one_prediction_per_row_and_repeat(run):
    oof = run["oof"]
    assert list(oof.columns) == ["game_id", "user_score", "oof_prediction", "repeat", "fold"]
    assert oof.groupby("repeat")["game_id"].apply(lambda ids: ids.is_unique).all()
    assert len(oof) == len(run["rows"]) * run["params"]["cv"]["n_repeats"]


def test_interval_coverage_on_the_holdout_is_near_the_level(run):
    coverage = run["metrics"]["interval"]["coverage_random_holdout"]
    assert abs(coverage["coverage"] - 0.8) <= 0.08  # demo test split: ~250 games
    frame = run["holdout_predictions"]
    inside = frame["user_score"].between(frame["prediction_lower"], frame["prediction_upper"])
    assert inside.mean() == pytest.approx(coverage["coverage"])


def test_drivers_rank_meta_score_first_and_shares_sum_to_one(run):
    drivers = run["drivers"]
    assert drivers.iloc[0]["feature"] == "meta_score"
    assert drivers["share"].sum() == pytest.approx(1.0)
    assert drivers["mean_abs_contribution"].is_monotonic_decreasing
    assert drivers.set_index("feature").loc["meta_score", "direction"] > 0.5


def test_charts_and_model_card_use_the_runs_numbers(run, demo_model_input):
    figure = plot_predicted_vs_actual(run["oof"], run["rows"])
    assert len(figure.data[0].x) == len(run["rows"])
    assert len(plot_residuals(run["oof"], run["rows"]).data) == 2
    assert list(plot_feature_drivers(run["drivers"]).data[0].y)[-1] == "meta_score"
    card = render_model_card(run["metrics"], run["drivers"], demo_model_input)
    chosen = run["metrics"]["chosen_model"]
    r2 = run["metrics"]["protocols"]["grouped_cv"]["candidates"][chosen]["r2"]["mean"]
    assert f"{r2:.3f}" in card
    assert run["metrics"]["model_version"] in card
