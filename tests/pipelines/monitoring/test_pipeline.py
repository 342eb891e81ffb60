"""The monitoring pipeline as a whole: simulated stable and drifted periods, real sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import data_files
from tests.pipelines.monitoring.conftest import (
    Production,
    drifted_games,
    run_monitoring,
    simulate_production,
    stable_games,
)
from user_score.datasets import ModelArtifactDataset
from user_score.pipelines.monitoring.status import MonitoringAlert

LAST_DAY = "2021-03-21"  # day 21 of the simulated period: 7 days of window, labels arrived


@pytest.fixture(scope="module")
def stable(trained) -> Production:
    return simulate_production(trained.model, stable_games())


@pytest.fixture(scope="module")
def drifted(trained) -> Production:
    return simulate_production(trained.model, drifted_games())


def test_a_stable_period_stays_green(trained, stable):
    catalog = run_monitoring(stable, trained, LAST_DAY)
    status = catalog.load("monitoring_status")
    assert status["status"] == "GREEN", status["reasons"]
    assert status["recommended_action"] == "none"
    assert status["performance"]["state"] == "judged"
    assert status["drift"]["max_feature_psi"] < 0.10
    report = catalog.load("performance_report").set_index("metric")
    assert report.loc["labels_matched", "value"] > 300
    assert abs(report.loc["mae", "change"]) < 0.10


def test_a_drifted_period_turns_red_for_the_right_reasons(trained, drifted):
    catalog = run_monitoring(drifted, trained, LAST_DAY)
    status = catalog.load("monitoring_status")
    assert status["status"] == "RED" and status["recommended_action"] == "retrain"
    flags = {name: info["flag"] for name, info in status["drift"]["features"].items()}
    assert flags["platform"] == flags["meta_score"] == flags["genres"] == "critical"
    drift = catalog.load("drift_report").set_index("feature")
    assert drift.loc["platform", "unseen_share"] > 0.15  # the new PS5 platform
    performance = catalog.load("performance_report").set_index("metric")
    assert performance.loc["mae", "flag"] in {"warning", "critical"}
    html = catalog.load("monitoring_report")
    assert "RED" in html and "platform" in html
    assert "features drifted" in html


def test_the_per_day_view_covers_every_window_day(trained, stable):
    catalog = run_monitoring(stable, trained, LAST_DAY)
    daily = catalog.load("performance_by_day")
    # The window's days and the 14 before (their labels arrive in the window).
    assert daily["day"].tolist() == [f"2021-03-{d:02d}" for d in range(1, 22)]
    assert daily["in_window"].tolist() == [False] * 14 + [True] * 7
    assert (daily["rows"] == 100).all() and (daily["band"] > 0).all()
    labelled = daily.loc[daily["labels"] > 0]
    assert len(labelled) >= 7 and labelled["realised_mae"].notna().all()
    assert (labelled["realised_mae"] - labelled["expected_mae"]).abs().max() < 0.3
    drift = catalog.load("drift_by_day")
    assert drift.groupby("day")["feature"].count().nunique() == 1  # every feature every day
    # 100 rows a day: the calibrated warning level sits above the configured floor.
    assert (drift.loc[drift["feature"] == "meta_score", "warning_at"] > 0.10).all()
    headline = catalog.load("monitoring_status")["drift"]["headline"]
    assert headline.startswith("0 of ") and headline.endswith("features drifted")
    html = catalog.load("monitoring_report")
    assert "MAE per scoring day" in html and "Drift per feature per day" in html


def test_the_first_days_have_no_labels_and_that_is_normal(trained, stable):
    catalog = run_monitoring(stable, trained, "2021-03-03")
    status = catalog.load("monitoring_status")
    assert status["performance"]["state"] == "no_labels"
    assert status["status"] in {"GREEN", "AMBER"}  # 300 rows: drift is judged, labels are not
    assert all(reason.startswith("feature drift") for reason in status["reasons"])
    assert catalog.load("performance_report").set_index("metric").loc["mae", "flag"] == "ok"


# ---------------------------------------------------------------------------
# Real Kedro sessions on files
# ---------------------------------------------------------------------------


def write_production(root: Path, production: Production) -> None:
    for kind, partitions, suffix in (
        ("predictions", production.predictions, ".csv"),
        ("features", production.features, ".parquet"),
        ("actuals", production.actuals, ".csv"),
    ):
        for key, frame in partitions.items():
            path = root / "prod" / kind / f"{key}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            if suffix == ".csv":
                frame.to_csv(path, index=False)
            else:
                frame.assign(
                    genres=frame["genres"].map(list), developers=frame["developers"].map(list)
                ).to_parquet(path)


def write_reference(root: Path, trained) -> None:
    models = root / "06_models"
    models.mkdir(parents=True, exist_ok=True)
    (models / "reference_profile.json").write_text(json.dumps(trained.reference_profile))
    # Saved like training saves it: a pickle with its SHA-256 sidecar.
    ModelArtifactDataset(filepath=str(models / "performance_estimator.pkl")).save(trained.estimator)


@pytest.mark.slow
def test_kedro_runs_upsert_history_write_a_self_contained_report_and_fail_on_red(
    project_copy, kedro_run, trained, stable, drifted
):
    data = project_copy / "data"
    write_reference(data, trained)
    # Day 3, before any label partition exists: the actuals folder is absent.
    write_production(data, Production(stable.predictions, stable.features, {}))
    kedro_run(project_copy, "monitoring", {"run_date": "2021-03-03"})
    write_production(data, stable)
    kedro_run(project_copy, "monitoring", {"run_date": LAST_DAY})
    kedro_run(project_copy, "monitoring", {"run_date": LAST_DAY})  # a rerun

    reports = data / "08_reporting" / "monitoring"
    first = json.loads((reports / "dt=2021-03-03" / "monitoring_status.json").read_text())
    assert first["performance"]["state"] == "no_labels"
    status = json.loads((reports / f"dt={LAST_DAY}" / "monitoring_status.json").read_text())
    assert status["status"] == "GREEN", status["reasons"]
    history = pd.read_csv(reports / "monitoring_history.csv")
    assert history["run_date"].tolist() == ["2021-03-03", LAST_DAY]  # the rerun replaced its row
    html = (reports / f"dt={LAST_DAY}" / "monitoring_report.html").read_text()
    # plotly.js once in the monitoring folder, loaded by a relative path: opens offline.
    assert "<script src='../plotly.min.js'" in html and "cdn" not in html.lower()
    assert "Plotly.newPlot" in html and len(html) < 400_000
    assert (reports / "plotly.min.js").stat().st_size > 1_000_000
    for name in (
        "drift_report.csv",
        "performance_report.csv",
        "psi_chart.json",
        "drift_by_day.csv",
        "performance_by_day.csv",
        "daily_drift_chart.json",
        "daily_performance_chart.json",
    ):
        assert (reports / f"dt={LAST_DAY}" / name).exists()

    # The drifted period with fail_on=critical: the run fails after saving its evidence.
    for kind in ("predictions", "features", "actuals"):
        for path in (data / "prod" / kind).rglob("*.*"):
            path.unlink()
    write_production(data, drifted)
    with pytest.raises(MonitoringAlert, match=f"monitoring status RED for {LAST_DAY}"):
        kedro_run(project_copy, "monitoring", {"run_date": LAST_DAY, "fail_on": "critical"})
    status = json.loads((reports / f"dt={LAST_DAY}" / "monitoring_status.json").read_text())
    assert status["status"] == "RED"
    history = pd.read_csv(reports / "monitoring_history.csv")
    assert history.set_index("run_date").loc[LAST_DAY, "status"] == "RED"


@pytest.mark.parametrize(
    ("runtime_params", "named"),
    [
        # used to monitor another day than the one whose folder it wrote
        ({"monitoring": {"run_date": "2021-03-05"}}, ["monitoring", "run_date", "Extra inputs"]),
        ({"run_date": "2021-3-5"}, ["run_date", "YYYY-MM-DD", "2021-3-5"]),
        ({"monitoring": {"window_days": "seven"}}, ["monitoring", "window_days"]),
        ({"fail_on": "sometimes"}, ["monitoring", "fail_on"]),
    ],
    ids=["monitoring.run_date", "short form", "window_days text", "fail_on unknown"],
)
def test_a_wrong_parameter_is_refused_before_anything_is_read_or_written(
    project_copy, kedro_run, runtime_params, named
):
    before = data_files(project_copy)
    with pytest.raises(Exception) as error:
        kedro_run(project_copy, "monitoring", runtime_params)
    for fragment in named:
        assert fragment in str(error.value), str(error.value)
    assert data_files(project_copy) == before
