"""Monitoring nodes: label selection and join, performance flags, status, fail_on, history."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from tests.pipelines.monitoring.conftest import (
    drifted_games,
    monitoring_params,
    simulate_production,
    stable_games,
)
from user_score.contracts import MonitoringHistory
from user_score.datasets.pandas import UpsertCSVDataset
from user_score.datasets.partitions import OptionalPartitionedDataset
from user_score.params import RunDate
from user_score.pipelines.monitoring.flags import flag_of
from user_score.pipelines.monitoring.history import HISTORY_COLUMNS, history_row
from user_score.pipelines.monitoring.performance import match_labels, realised_metrics
from user_score.pipelines.monitoring.status import MonitoringAlert, assess_status, enforce_fail_on
from user_score.pipelines.monitoring.windows import (
    select_features,
    select_labels,
    select_predictions,
)

RUN_DATE = "2021-03-21"
DAY = RunDate(RUN_DATE)


def loaders(partitions: dict[str, pd.DataFrame]) -> dict:
    return {key: (lambda frame=frame: frame.copy()) for key, frame in partitions.items()}


def prediction_partition(day: str, ids: list[str], score: float = 7.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ids,
            "prediction_date": day,
            "predicted_user_score": score,
            "prediction_lower": score - 0.8,
            "prediction_upper": score + 0.8,
            "model_version": "m1",
            "features_hash": "0",
        }
    )


def actuals(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "event_date", "real_user_score"], dtype=object)


@pytest.fixture
def params():
    return monitoring_params()


# ---------------------------------------------------------------------------
# Labels: partial, late, duplicated, invalid, future
# ---------------------------------------------------------------------------


def test_labels_are_deduplicated_quarantined_and_accounted_for(params):
    partitions = {
        "dt=2021-03-16/actuals": actuals([("a", "2021-03-16", "7.0"), ("b", "2021-03-16", "6.0")]),
        # b delivered again later with a corrected score; c twice, identical; a bad row.
        "dt=2021-03-20/actuals": actuals(
            [
                ("b", "2021-03-20", "6.5"),
                ("c", "2021-03-20", "8.0"),
                ("c", "2021-03-20", "8.0"),
                ("d", "2021-03-20", "11"),
                (None, "2021-03-20", "5.0"),
                ("e", "20/03/2021", "5.0"),
            ]
        ),
        "dt=2021-03-30/actuals": actuals([("f", "2021-03-30", "5.0")]),  # after run_date
    }
    labels, quarantined, intake = select_labels(loaders(partitions), DAY, params)
    assert sorted(labels["id"]) == ["a", "b", "c"]
    assert labels.set_index("id").loc["b", "real_user_score"] == 6.5  # latest delivery wins
    assert intake["duplicates_removed"] == 2 and intake["ids_with_conflicting_scores"] == 1
    assert len(quarantined) == 3
    reasons = " | ".join(quarantined["reason"])
    assert "real_user_score: number_in_range(0,10)" in reasons
    assert "id: not_nullable" in reasons and "event_date: iso_date" in reasons
    assert intake["rows_in"] == intake["labels"] + intake["rows_quarantined"] + 2 == 8
    assert "f" not in set(labels["id"])  # future partitions are never read


def test_no_labels_yet_is_a_normal_empty_state(tmp_path, params):
    empty = OptionalPartitionedDataset(
        path=str(tmp_path / "actuals"), dataset="user_score.datasets.pandas.CSVDataset"
    )
    assert empty.load() == {}
    labels, quarantined, intake = select_labels(empty.load(), DAY, params)
    assert labels.empty and quarantined.empty
    assert intake == {
        "rows_in": 0,
        "rows_quarantined": 0,
        "duplicates_removed": 0,
        "ids_with_conflicting_scores": 0,
        "labels": 0,
        "labels_in_window": 0,
        "ignored_partitions": [],
    }


def test_label_join_in_window_late_and_unmatched(params):
    predictions = select_predictions(
        loaders(
            {
                "dt=2021-01-05/predictions": prediction_partition("2021-01-05", ["late"], 6.0),
                "dt=2021-03-05/predictions": prediction_partition("2021-03-05", ["a", "b"], 7.0),
                # a scored again the next day: the latest prediction before its label counts.
                "dt=2021-03-06/predictions": prediction_partition("2021-03-06", ["a"], 7.5),
                "dt=2021-03-21/predictions": prediction_partition("2021-03-21", ["new"], 5.0),
            }
        ),
        DAY,
        params,
    )
    labels, _, _ = select_labels(
        loaders(
            {
                "dt=2021-03-16/actuals": actuals(
                    [
                        ("a", "2021-03-16", "8.0"),
                        ("late", "2021-03-16", "6.0"),
                        ("ghost", "2021-03-16", "5.0"),
                    ]
                ),
                "dt=2021-03-01/actuals": actuals([("b", "2021-03-01", "7.0")]),  # before window
            }
        ),
        DAY,
        params,
    )
    matched = match_labels(predictions, labels, params).set_index("id")
    assert matched.loc["a", "match"] == "window"
    assert matched.loc["a", "predicted_user_score"] == 7.5 and matched.loc["a", "lag_days"] == 10
    assert matched.loc["late", "match"] == "id_only"  # 70 days: later than 14, joined on id alone
    assert matched.loc["ghost", "match"] == "unmatched"
    assert "b" not in matched.index  # arrived before the window: not this window's labels
    metrics = realised_metrics(matched.reset_index())
    assert metrics["mae"] == pytest.approx((0.5 + 0.0) / 2)
    assert metrics["interval_coverage"] == 1.0


def test_stray_files_and_impossible_day_folders_are_not_read_as_partitions(params, caplog):
    """A backup copy in a day folder was read as a second partition (every row twice, and a
    negative count of predictions without features); dt=2021-02-30 crashed monitoring."""
    day = prediction_partition("2021-03-21", ["a", "b"])
    features = pd.DataFrame({"id": ["a", "b"], "meta_score": [80.0, 70.0]})
    with caplog.at_level(logging.WARNING):
        predictions = select_predictions(
            loaders(
                {
                    "dt=2021-03-21/predictions": day,
                    "dt=2021-03-21/predictions_backup": day,
                    "dt=2021-02-30/predictions": day,
                }
            ),
            DAY,
            params,
        )
        scored = select_features(
            loaders(
                {"dt=2021-03-21/features": features, "dt=2021-03-21/features (copy)": features}
            ),
            DAY,
            params,
        )
        labels, _, intake = select_labels(
            loaders(
                {
                    "dt=2021-03-20/actuals": actuals([("a", "2021-03-20", "7.0")]),
                    "dt=2021-02-30/actuals": actuals([("b", "2021-02-28", "6.0")]),
                    "dt=2021-03-20/actuals_old": actuals([("a", "2021-03-19", "1.0")]),
                }
            ),
            DAY,
            params,
        )
    assert predictions["id"].tolist() == ["a", "b"]
    assert scored["id"].tolist() == ["a", "b"]
    assert labels.set_index("id")["real_user_score"].to_dict() == {"a": 7.0}
    assert intake["ignored_partitions"] == ["dt=2021-02-30/actuals", "dt=2021-03-20/actuals_old"]
    for key in ("predictions_backup", "features (copy)", "dt=2021-02-30/predictions"):
        assert key in caplog.text


def test_missing_predictions_for_the_window_is_a_clear_error(params):
    old = {"dt=2021-02-01/predictions": prediction_partition("2021-02-01", ["a"])}
    with pytest.raises(ValueError, match=r"no predictions for 2021-03-15\.\.2021-03-21"):
        select_predictions(loaders(old), DAY, params)
    broken = {
        "dt=2021-03-21/predictions": prediction_partition("2021-03-21", ["a"]).drop(
            columns="model_version"
        )
    }
    with pytest.raises(ValueError, match=r"model_version.*dt=2021-03-21"):
        select_predictions(loaders(broken), DAY, params)


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------


def drift_frame(psis: dict[str, float], params) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feature": list(psis),
            "psi": list(psis.values()),
            "flag": [flag_of(v, params.psi.warning, params.psi.critical) for v in psis.values()],
        }
    )


def performance_frame(matched: int, mae_flag: str = "ok", mae: float = 0.5) -> pd.DataFrame:
    rows = [
        ("labels_matched", float(matched), np.nan, np.nan, "ok", matched),
        ("mae", mae, 0.5, mae / 0.5 - 1, mae_flag, matched),
        ("r2", 0.5, 0.5, 0.0, "ok", matched),
        ("interval_coverage", 0.8, 0.8, 0.0, "ok", matched),
        ("estimated_mae_unlabelled", 0.5, 0.5, 0.0, "ok", 10),
    ]
    return pd.DataFrame(rows, columns=["metric", "value", "baseline", "change", "flag", "rows"])


def status_for(psis, params, performance=None, run_date=DAY):
    predictions = prediction_partition(run_date.iso, ["x"]).assign(in_window=True)
    return assess_status(
        drift_frame(psis, params),
        performance if performance is not None else performance_frame(0),
        predictions,
        {"labels": 0},
        {"model_version": "m1"},
        run_date,
        params,
    )


@pytest.mark.parametrize(
    ("worst_psi", "status", "action"),
    [
        (0.05, "GREEN", "none"),
        (0.10, "AMBER", "investigate"),
        (0.249, "AMBER", "investigate"),
        (0.25, "RED", "retrain"),
    ],
)
def test_status_follows_the_psi_thresholds(params, worst_psi, status, action):
    result = status_for({"meta_score": worst_psi, "prediction": 0.01}, params)
    assert (result["status"], result["recommended_action"]) == (status, action)
    assert result["drift"]["features"]["meta_score"]["psi"] == worst_psi
    assert bool(result["reasons"]) == (status != "GREEN")


def test_the_original_projects_thresholds_can_be_set():
    params = monitoring_params(psi={"warning": 0.20, "critical": 0.30})
    assert status_for({"meta_score": 0.15, "prediction": 0.0}, params)["status"] == "GREEN"
    assert status_for({"meta_score": 0.25, "prediction": 0.0}, params)["status"] == "AMBER"


def test_no_labels_is_reported_as_a_normal_state_and_performance_can_turn_red(params):
    result = status_for({"meta_score": 0.01, "prediction": 0.01}, params)
    assert result["status"] == "GREEN"
    assert result["performance"]["state"] == "no_labels"
    assert "normal" in result["performance"]["message"]
    red = status_for(
        {"meta_score": 0.01, "prediction": 0.01},
        params,
        performance_frame(200, mae_flag="critical", mae=0.62),
    )
    assert red["status"] == "RED" and red["performance"]["state"] == "judged"
    assert any(reason.startswith("mae = 0.620") for reason in red["reasons"])


def test_a_model_version_mismatch_is_a_warning(params):
    predictions = prediction_partition(RUN_DATE, ["x"]).assign(in_window=True)
    result = assess_status(
        drift_frame({"prediction": 0.0}, params),
        performance_frame(0),
        predictions,
        {},
        {"model_version": "m2"},
        DAY,
        params,
    )
    assert result["status"] == "AMBER" and "reference profile is for m2" in result["reasons"][0]


@pytest.mark.parametrize(
    ("fail_on", "status", "raises"),
    [
        ("none", "RED", False),
        ("critical", "AMBER", False),
        ("critical", "RED", True),
        ("warning", "AMBER", True),
        ("warning", "GREEN", False),
    ],
)
def test_fail_on_turns_a_status_into_a_failed_run(fail_on, status, raises):
    result = {"status": status, "run_date": RUN_DATE, "recommended_action": "x", "reasons": ["r"]}
    params = monitoring_params(fail_on=fail_on)
    if raises:
        with pytest.raises(MonitoringAlert, match=f"monitoring status {status} for {RUN_DATE}"):
            enforce_fail_on(result, "<html/>", params)
    else:
        enforce_fail_on(result, "<html/>", params)
    with pytest.raises(ValidationError, match="fail_on"):
        monitoring_params(fail_on="sometimes")


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


def test_history_is_one_row_per_run_date_and_a_rerun_replaces_it(tmp_path, params):
    dataset = UpsertCSVDataset(
        filepath=str(tmp_path / "monitoring_history.csv"),
        key="run_date",
        save_args={"index": False},
    )
    assert not dataset.exists()  # first run: no history yet
    for day, psi_value in (("2021-03-21", 0.12), ("2021-03-20", 0.05), ("2021-03-21", 0.30)):
        status = status_for(
            {"meta_score": psi_value, "prediction": 0.0}, params, None, RunDate(day)
        )
        dataset.save(history_row(status))
    history = dataset.load()
    assert history["run_date"].tolist() == ["2021-03-20", "2021-03-21"]  # oldest first
    assert history["status"].tolist() == ["GREEN", "RED"]  # the rerun replaced AMBER
    assert history["max_feature_psi"].tolist() == [0.05, 0.30]
    assert list(history.columns) == HISTORY_COLUMNS


def test_a_history_row_without_metrics_passes_the_history_contract(params):
    status = status_for({"meta_score": 0.05, "prediction": 0.0}, params)
    status["performance"]["metrics"] = {}  # no labels, no estimate
    row = history_row(status)
    assert row["mae"].isna().all() and row["mae"].dtype == float  # NaN, not None
    MonitoringHistory.validate(row)


# ---------------------------------------------------------------------------
# The performance estimator
# ---------------------------------------------------------------------------


def test_the_estimator_is_evaluated_at_training_time(trained):
    metrics = trained.estimator_metrics
    assert len(metrics["folds"]) == 5
    # Out of fold, the estimate of a fold's MAE is within 0.1 of the realised MAE.
    assert metrics["max_abs_fold_error"] < 0.1
    segments = metrics["segments"]
    # It knows that games without a critic score are harder to predict.
    assert segments["meta_score_missing=True"]["estimated_mae"] > (
        segments["meta_score_missing=False"]["estimated_mae"] + 0.05
    )
    assert trained.estimator.metadata["oof_mae"] == pytest.approx(metrics["oof_mae"])


def estimated_and_realised(trained, games) -> tuple[float, float, int]:
    """Estimated (before labels) and realised (after) MAE of a simulated period."""
    production = simulate_production(trained.model, games)
    labels = pd.concat(production.actuals.values()).astype({"real_user_score": float})
    scored = pd.concat(production.predictions.values()).merge(
        pd.concat(production.features.values()), on="id"
    )
    labelled = scored.merge(labels, on="id")
    realised = float((labelled["real_user_score"] - labelled["predicted_user_score"]).abs().mean())
    estimated = trained.estimator.estimate_mae(labelled, labelled["predicted_user_score"])
    return estimated, realised, len(labelled)


def test_estimated_mae_tracks_realised_mae_on_a_stable_simulated_period(trained, caplog):
    estimated, realised, rows = estimated_and_realised(trained, stable_games())
    with caplog.at_level(logging.INFO):
        logging.getLogger(__name__).info(
            "estimator, stable period, %d labelled rows: estimated MAE %.3f, realised %.3f",
            rows,
            estimated,
            realised,
        )
    assert abs(estimated - realised) < 0.05


def test_the_estimator_cannot_see_a_shift_that_only_moves_the_critic_score(trained):
    # meta_score + 8 leaves user scores unchanged: the model over-predicts, the
    # realised MAE grows, and the estimate (which only sees features) lags behind.
    # This is why the report shows estimated and realised MAE side by side.
    games = drifted_games({"meta_score_shift": 8.0})
    estimated, realised, _ = estimated_and_realised(trained, games)
    assert realised > trained.reference_profile["baseline"]["mae"] * 1.1
    assert estimated < realised - 0.05
