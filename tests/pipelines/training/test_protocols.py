"""Evaluation protocols (a)-(e), the selection rule and the interval coverage procedure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.pipelines.training.conftest import training_params, training_params_dict
from user_score.pipelines.training.intervals import interval_coverage
from user_score.pipelines.training.params import TrainingParams
from user_score.pipelines.training.protocols import (
    grouped_repeated_kfold,
    protocol_splits,
    random_holdout,
    studio_groups,
    time_backtest,
)
from user_score.pipelines.training.selection import select_candidate


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


def test_random_holdout_repeats_start_with_the_original_split(params):
    """(b) is the original project's split (seed 42) and ``n_repeats - 1`` further draws."""
    rows = pd.DataFrame({"game_id": [f"g{i}" for i in range(100)]})
    splits = list(protocol_splits(rows, "random_holdout", params))
    assert len(splits) == params.protocols.random_holdout.n_repeats >= 5
    assert [split.split for split in splits[:2]] == ["seed42", "seed43"]
    assert np.array_equal(splits[0].test, random_holdout(100, 0.2, 42)[1])
    assert len({tuple(split.test) for split in splits}) == len(splits)  # every draw differs


def test_leave_studio_out_tests_every_game_on_a_studio_its_training_part_never_saw(
    demo_model_input, params
):
    rows = demo_model_input.loc[demo_model_input["is_labelled"]].reset_index(drop=True)
    lead = studio_groups(rows["developers"], "lead_developer")
    tested = []
    for split in protocol_splits(rows, "leave_studio_out", params):
        assert not set(lead.iloc[split.train]) & set(lead.iloc[split.test])
        tested.extend(split.test)
    assert sorted(tested) == list(range(len(rows)))
    sets = studio_groups(pd.Series([["A", "B"], ["B", "A"], None, ["A"]]), "developer_set")
    assert sets.tolist() == ["A|B", "A|B", "__no_developer__", "A"]


def test_rolling_backtest_trains_on_the_past_and_tests_the_next_years(demo_model_input, params):
    rows = demo_model_input.loc[demo_model_input["is_labelled"]].reset_index(drop=True)
    years = rows["release_year"]
    splits = list(protocol_splits(rows, "rolling_backtest", params))
    spec = params.protocols.rolling_backtest
    assert [s.split for s in splits] == [f"{c}-{c + spec.horizon_years - 1}" for c in spec.cutoffs]
    for cutoff, split in zip(spec.cutoffs, splits, strict=True):
        assert (years.iloc[split.train] < cutoff).all()
        assert years.iloc[split.test].between(cutoff, cutoff + spec.horizon_years - 1).all()


def _results(maes: dict[str, dict[str, float]]) -> dict[str, dict]:
    """Protocol results with the given ``{protocol: {candidate: mae}}``."""
    return {
        protocol: {"candidates": {name: {"mae": mae} for name, mae in by_name.items()}}
        for protocol, by_name in maes.items()
    }


def _params(**selection) -> TrainingParams:
    raw = training_params_dict()
    raw["selection"] = {**raw["selection"], **selection}
    return TrainingParams.model_validate(raw)


def _maes(values: dict[str, tuple[float, float, float]]) -> dict[str, dict[str, float]]:
    protocols = ("grouped_kfold", "leave_studio_out", "rolling_backtest")
    names = training_params_dict()["candidates"]
    rows = {name: values.get(name, (0.9, 0.9, 0.9)) for name in names}
    return {p: {name: rows[name][i] for name in names} for i, p in enumerate(protocols)}


def test_selection_prefers_the_simplest_candidate_within_the_tolerance():
    maes = _maes(
        {
            "critic_only": (0.60, 0.60, 0.61),
            "linear": (0.545, 0.550, 0.590),
            "lightgbm": (0.54, 0.56, 0.60),
            "critic_backbone": (0.55, 0.55, 0.58),
            "lightgbm_linear_blend": (0.528, 0.540, 0.578),
            "lightgbm_linear_blend_titles": (0.526, 0.536, 0.572),
        }
    )
    chosen = select_candidate(_results(maes), _params(tolerance=0.005))
    assert chosen["best_scoring"] == "lightgbm_linear_blend_titles"
    assert chosen["chosen_model"] == "lightgbm_linear_blend"  # 0.004 worse, simpler
    assert chosen["beats_baseline_everywhere"]
    strict = select_candidate(_results(maes), _params(tolerance=0.0))
    assert strict["chosen_model"] == "lightgbm_linear_blend_titles"


def test_a_candidate_that_loses_to_the_baseline_anywhere_is_not_eligible():
    maes = _maes(
        {
            "critic_only": (0.60, 0.60, 0.60),
            "linear": (0.50, 0.50, 0.61),  # best score, but worse than the line under (e)
            "lightgbm": (0.55, 0.55, 0.59),
            "critic_backbone": (0.58, 0.58, 0.595),
            "lightgbm_linear_blend": (0.56, 0.56, 0.59),
            "lightgbm_linear_blend_titles": (0.57, 0.57, 0.59),
        }
    )
    chosen = select_candidate(_results(maes), _params())
    assert "linear" not in chosen["eligible"]
    assert chosen["chosen_model"] == "lightgbm"


def test_when_nothing_beats_the_baseline_the_choice_says_so(caplog):
    maes = _maes({"critic_only": (0.50, 0.50, 0.50)})  # every other candidate: 0.9
    chosen = select_candidate(_results(maes), _params())
    assert not chosen["beats_baseline_everywhere"] and not chosen["eligible"]
    assert chosen["chosen_model"] == "critic_only"  # the best score, which is the line itself
    assert "NO artifact candidate beats critic_only" in caplog.text


def test_selection_settings_are_validated_naming_the_problem():
    raw = training_params_dict()
    raw["candidates"].remove("linear")  # still an artifact candidate
    with pytest.raises(ValueError, match=r"\['linear'\] that are not in training\.candidates"):
        TrainingParams.model_validate(raw)
    with pytest.raises(ValueError, match="no_such_model"):
        _params(artifact_candidates=["no_such_model"])
    raw = training_params_dict()
    raw["selection"]["tolerance"] = -1
    with pytest.raises(ValueError, match="tolerance"):
        TrainingParams.model_validate(raw)
    raw = training_params_dict()
    raw["protocols"]["grouped_kfold"]["n_repeat"] = 2  # a typo is an error, not ignored
    with pytest.raises(ValueError, match="n_repeat"):
        TrainingParams.model_validate(raw)


def _predictions(protocol: str, n: int, scale: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "protocol": protocol,
            "split": np.repeat(["s0", "s1", "s2", "s3"], n // 4),
            "game_id": [f"g{i}" for i in range(n)],
            "user_score": 7.0 + rng.normal(0, scale, n),
            "studio": "known",
            "franchise": np.where(np.arange(n) % 2, "new", "known"),
            "meta": "present",
            "model": 7.0,
        }
    )


def test_coverage_is_measured_without_each_games_own_residual():
    """Calibrated on residuals of other games only, a well-specified interval covers ~80 %
    everywhere; a protocol whose errors are twice as large is reported as failing."""
    params = training_params()
    predictions = {
        name: _predictions(name, 800, 0.6, seed)
        for seed, name in enumerate(
            ["grouped_kfold", "random_holdout", "time_backtest", "leave_studio_out"]
        )
    }
    predictions["rolling_backtest"] = _predictions("rolling_backtest", 800, 0.6, 9)
    meta_scores = pd.Series(75.0, index=[f"g{i}" for i in range(800)])
    coverage = interval_coverage(predictions, "model", meta_scores, params)
    assert coverage["pass"], coverage["failing"]
    for summary in coverage["protocols"].values():
        assert abs(summary["coverage"] - 0.8) < 0.05
    predictions["time_backtest"] = _predictions("time_backtest", 800, 1.2, 3)
    wide = interval_coverage(predictions, "model", meta_scores, params)
    assert not wide["pass"]
    assert any(item.startswith("time_backtest all") for item in wide["failing"])
