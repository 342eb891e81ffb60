"""Training nodes end to end on the demo data: metrics schema, selection, intervals, artifact,
drivers, charts and the model card (CI budget)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from user_score.model import NOVELTY_FLAGS
from user_score.pipelines.training.charts import (
    plot_feature_drivers,
    plot_predicted_vs_actual,
    plot_protocol_comparison,
    plot_residuals,
)
from user_score.pipelines.training.drivers import compute_feature_drivers
from user_score.pipelines.training.metrics import build_training_metrics
from user_score.pipelines.training.model_card import render_model_card
from user_score.pipelines.training.nodes import (
    calibrate_intervals,
    chosen_oof_predictions,
    protocol_node,
    select_model,
    select_training_rows,
    train_model,
)
from user_score.pipelines.training.params import PROTOCOL_LABELS

#: The run's start time the nodes are given (``params:run_started_at``).
RUN_STARTED_AT = "2021-03-01T06:30:00Z"


def test_select_training_rows_refuses_too_few_labels(demo_model_input, params):
    tiny = demo_model_input.loc[demo_model_input["is_labelled"]].head(6)
    with pytest.raises(ValueError, match="labelled rows"):
        select_training_rows(tiny, params)


@pytest.fixture(scope="module")
def run(demo_run_project, demo_model_input):
    """Every training node once on the demo data with the CI budget.

    The protocols' evaluation (``evaluate_<protocol>``: most of training)
    ran in the shared demo run's ``kedro run`` on the same data and budget
    (``demo_run_project``): their results (in ``training_metrics``) and predictions
    are read back from it. Every node after them runs here.
    """
    from tests.conftest import demo_run_training, project_catalog
    from tests.pipelines.training.conftest import training_params_with

    params = training_params_with(demo_run_training())
    rows = select_training_rows(demo_model_input, params)
    catalog = project_catalog(demo_run_project)
    results = catalog.load("training_metrics")["protocols"]
    predictions = {name: catalog.load(f"protocol_{name}_predictions") for name in PROTOCOL_LABELS}
    assert list(results) == list(PROTOCOL_LABELS)
    assert all(results[name]["rows"] == len(predictions[name]) for name in PROTOCOL_LABELS)
    selection = select_model(params, **results)
    oof = chosen_oof_predictions(selection, predictions["grouped_kfold"])
    intervals, coverage = calibrate_intervals(selection, rows, params, **predictions)
    model = train_model(rows, selection, intervals, params, RUN_STARTED_AT, **results)
    drivers = compute_feature_drivers(model, rows)
    metrics = build_training_metrics(selection, coverage, model, params, **results)
    return {
        "params": params,
        "rows": rows,
        "predictions": predictions,
        "oof": oof,
        "model": model,
        "drivers": drivers,
        "metrics": json.loads(json.dumps(metrics)),  # must be JSON-serialisable
    }


def test_metrics_cover_every_candidate_under_every_protocol_and_novelty_group(run):
    metrics, params = run["metrics"], run["params"]
    assert list(metrics["protocols"]) == list(PROTOCOL_LABELS)
    for result in metrics["protocols"].values():
        assert list(result["candidates"]) == list(params.candidates)
        for summary in result["candidates"].values():
            assert {"mae", "rmse", "r2", "n", "by_split", "by_novelty"} <= set(summary)
            flags = {key.split("=")[0] for key in summary["by_novelty"]}
            assert flags == set(NOVELTY_FLAGS)
    # leave-studio-out really tests unseen studios; (a) mostly known ones
    shares = {name: r["novelty_share"]["studio"] for name, r in metrics["protocols"].items()}
    assert shares["leave_studio_out"].get("unseen", 0) > 0.2
    assert shares["grouped_kfold"].get("unseen", 0) < shares["leave_studio_out"]["unseen"]


def test_the_choice_follows_the_rule_and_is_recorded(run):
    metrics = run["metrics"]
    selection = metrics["selection"]
    chosen = metrics["chosen_model"]
    assert chosen in run["params"].selection.artifact_candidates
    assert chosen in selection["within_tolerance"]
    best = selection["scores"][selection["best_scoring"]]["score"]
    assert selection["scores"][chosen]["score"] <= best + run["params"].selection.tolerance
    assert (
        metrics["targets"]["beats_baseline_everywhere"]["pass"]
        == (selection["beats_baseline_everywhere"])
    )
    assert run["model"].metadata["model_type"] == chosen
    assert run["model"].weights == metrics["weights"]


def test_models_beat_the_baselines_and_the_model_carries_every_protocols_metrics(run):
    grouped = run["metrics"]["protocols"]["grouped_kfold"]["candidates"]
    assert abs(grouped["mean_baseline"]["r2"]) < 0.05
    assert grouped["lightgbm_linear_blend"]["r2"] > grouped["critic_only"]["r2"] + 0.1
    model, chosen = run["model"], run["metrics"]["chosen_model"]
    assert model.metadata["metrics"]["cv"]["mae"] == pytest.approx(grouped[chosen]["mae"])
    assert set(model.metadata["metrics"]["protocols"]) == set(PROTOCOL_LABELS)
    fingerprint = model.metadata["training_data_fingerprint"][:8]
    assert model.model_version == f"20210301T063000Z-{fingerprint}"  # the run's time, no clock
    assert model.metadata["trained_at"] == "2021-03-01T06:30:00+00:00"


def test_oof_predictions_schema_and_one_prediction_per_row_and_repeat(run):
    oof = run["oof"]
    assert list(oof.columns) == ["game_id", "user_score", "oof_prediction", "repeat", "fold"]
    assert oof.groupby("repeat")["game_id"].apply(lambda ids: ids.is_unique).all()
    repeats = run["params"].protocols.grouped_kfold.n_repeats
    assert len(oof) == len(run["rows"]) * repeats


def test_the_artifacts_intervals_come_from_the_shift_protocols_per_novelty_cell(run):
    model, params = run["model"], run["params"]
    cells = model.metadata["interval"]["cells"]
    calibration = sum(len(run["predictions"][p]) for p in params.interval.calibration_protocols)
    assert cells["all"]["n"] == calibration
    assert {"meta=present", "meta=missing"} <= set(cells)
    rows = run["rows"]
    predicted = model.predict(rows)
    width = predicted["prediction_upper"] - predicted["prediction_lower"]
    missing = rows["meta_score_missing"].to_numpy()
    assert width[missing].median() > width[~missing].median()
    coverage = run["metrics"]["interval"]["coverage"]
    for name, summary in coverage["protocols"].items():
        assert abs(summary["coverage"] - params.interval.level) < 0.1, name
        assert {key.split("=")[0] for key in summary["by_novelty"]} == set(NOVELTY_FLAGS)


def test_drivers_rank_meta_score_first_and_shares_sum_to_one(run):
    drivers = run["drivers"]
    assert drivers.iloc[0]["feature"] == "meta_score"
    assert drivers["share"].sum() == pytest.approx(1.0)
    assert drivers["mean_abs_contribution"].is_monotonic_decreasing
    assert drivers.set_index("feature").loc["meta_score", "direction"] > 0.5


def test_drivers_add_up_to_the_point_prediction(run):
    from user_score.pipelines.training.drivers import component_contributions

    model, rows = run["model"], run["rows"].iloc[:200]
    contributions = component_contributions(model, rows).sum(axis=1).to_numpy()
    parts = model.predict_components(rows)
    raw = sum(weight * parts[name].to_numpy() for name, weight in model.weights.items())
    # each component's contributions sum to its prediction minus a constant
    np.testing.assert_allclose(contributions - contributions.mean(), raw - raw.mean(), atol=1e-6)


def test_charts_and_model_card_use_the_runs_numbers(run, demo_model_input):
    figure = plot_predicted_vs_actual(run["oof"], run["rows"])
    assert len(figure.data[0].x) == len(run["rows"])
    residuals = plot_residuals(run["oof"], run["rows"])
    years = list(residuals.layout.xaxis.categoryarray)
    assert years == sorted(years, key=lambda year: (year == "unknown", year))
    assert list(plot_feature_drivers(run["drivers"]).data[0].y)[-1] == "meta_score"
    comparison = plot_protocol_comparison(run["metrics"])
    assert len(comparison.data) == len(PROTOCOL_LABELS)
    scores = run["metrics"]["selection"]["scores"]
    candidates = [name.removesuffix(" *") for name in comparison.data[0].x]
    assert candidates == sorted(candidates, key=lambda name: scores[name]["score"])
    for chart in (figure, residuals, plot_feature_drivers(run["drivers"]), comparison):
        layout = chart.layout.to_plotly_json()
        axes = [layout[key] for key in layout if key.startswith(("xaxis", "yaxis"))]
        assert len(axes) >= 2 and all(axis["title"]["text"] for axis in axes), layout["title"]
    card = render_model_card(run["metrics"], run["drivers"], demo_model_input)
    metrics, chosen = run["metrics"], run["metrics"]["chosen_model"]
    assert metrics["model_version"] in card
    assert metrics["selection"]["selection_rule"] in card
    for name, result in metrics["protocols"].items():
        assert f"({PROTOCOL_LABELS[name]}) `{name}`" in card
        assert f"{result['candidates'][chosen]['mae']:.3f}" in card
    for key, cell in metrics["interval"]["calibration"]["cells"].items():
        assert f"| `{key}` | {cell['mae']:.3f}" in card


def test_a_protocol_without_test_games_is_reported_and_the_card_still_renders(
    run, demo_model_input
):
    """A training file that ends before a protocol's cutoff (e.g. games before 2014 and the
    2016 time backtest) leaves that protocol without a test game: the metrics and the model
    card say so instead of failing the run."""
    params, rows = run["params"], run["rows"]
    early = rows[rows["release_year"] < params.protocols.time_backtest.cutoff_year]
    empty_results, empty_predictions = protocol_node("time_backtest")(early, params)
    assert empty_results["rows"] == 0 and len(empty_predictions) == 0
    results = {**run["metrics"]["protocols"], "time_backtest": empty_results}
    predictions = {**run["predictions"], "time_backtest": empty_predictions}
    selection = run["metrics"]["selection"]
    _, coverage = calibrate_intervals(selection, rows, params, **predictions)
    assert coverage["protocols"]["time_backtest"]["n"] == 0
    metrics = build_training_metrics(selection, coverage, run["model"], params, **results)
    card = render_model_card(metrics, run["drivers"], demo_model_input)
    assert "| (c) time_backtest | no test games |" in card
