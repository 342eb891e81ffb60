"""Calibrated drift decisions: known games stay GREEN at any batch size, real drift is RED."""

from __future__ import annotations

import numpy as np
import pytest

from tests.pipelines.monitoring.conftest import (
    N_TRAINING_GAMES,
    UNIVERSE_SEED,
    known_catalog_day,
    run_monitoring,
    simulate_production,
    trained_on,
)
from user_score.demo_data.generator import generate_games_and_universe
from user_score.pipelines.monitoring.calibration import (
    alert_levels,
    drift_psi,
    null_psi,
    one_way_shares,
)
from user_score.pipelines.monitoring.drift import MISSING, UNSEEN

DAY = "2021-03-01"
BUCKETS = ["a", "b", "c", UNSEEN, MISSING]
REFERENCE = [0.4, 0.3, 0.233, 0.067, 0.0]


def test_fewer_unseen_values_than_usual_is_not_drift_but_more_is():
    # Every game known: the __unseen__ share drops from 0.067 to 0, the rest keeps its shape.
    none_new = np.array([0.4, 0.3, 0.233, 0.0, 0.0]) / 0.933
    assert drift_psi(BUCKETS, REFERENCE, none_new, 2000, 400, 1e-4) == pytest.approx(0, abs=1e-9)
    adjusted = one_way_shares(np.array(REFERENCE), none_new, np.array([0, 0, 0, 1, 1], bool))
    assert adjusted == pytest.approx(REFERENCE)
    # Three times the usual new values is drift.
    many_new = np.array([0.35, 0.25, 0.2, 0.2, 0.0])
    assert drift_psi(BUCKETS, REFERENCE, many_new, 2000, 400, 1e-4) > 0.1


def test_an_empty_bucket_weighs_half_an_observation_not_a_tiny_epsilon():
    # A two-way bucket of reference share 0.067 empty today: bounded by r * ln(r / (0.5 / n)).
    buckets = ["a", "b", "c", "d"]
    reference, current = [0.4, 0.3, 0.233, 0.067], [0.43, 0.32, 0.25, 0.0]
    value = drift_psi(buckets, reference, current, 2000, 400, 1e-4)
    assert value < 0.067 * np.log(0.067 / (0.5 / 400)) + 0.01
    classic = sum(
        (max(c, 1e-4) - r) * np.log(max(c, 1e-4) / r)
        for r, c in zip(reference, current, strict=True)
    )
    assert value < classic / 1.5  # the classic epsilon makes it explode


def test_alert_levels_follow_the_sample_size_with_the_configured_floor():
    rng = np.random.default_rng(0)
    shares = [0.1] * 10 + [0.0]
    buckets = [*map(str, range(10)), MISSING]
    small = alert_levels(
        null_psi(buckets, shares, 2000, 100, 1e-4, 2000, rng), 0.1, 0.25, 0.99, 0.999
    )
    large = alert_levels(
        null_psi(buckets, shares, 2000, 7000, 1e-4, 2000, rng), 0.1, 0.25, 0.99, 0.999
    )
    # chi2(9) at 99 % is 21.7: 21.7 * (1/100 + 1/2000) = 0.23 at 100 rows.
    assert 0.17 < small[0] < 0.30 and small[1] > small[0]
    assert large == (0.1, 0.25)  # plenty of rows: the configured levels decide


def _assert_green(trained, n_rows: int, seed: int) -> None:
    day = known_catalog_day(trained.model, trained.model_input_table, n_rows, DAY, seed)
    catalog = run_monitoring(day, trained, DAY)
    status = catalog.load("monitoring_status")
    assert status["status"] == "GREEN", (n_rows, status["reasons"])
    drift = catalog.load("drift_report").set_index("feature")
    assert (drift["unseen_share"] == 0).all()  # known games only: every value seen in training


@pytest.mark.parametrize("n_rows", [50, 400, 1000])
def test_a_day_of_known_catalog_games_is_green(trained, n_rows):
    for seed in range(3):
        _assert_green(trained, n_rows, seed)


@pytest.fixture(scope="module")
def training_universe():
    return generate_games_and_universe(N_TRAINING_GAMES, UNIVERSE_SEED)[1]


@pytest.mark.parametrize(
    ("drift", "root"),
    [
        ({"meta_score_shift": 8.0}, "meta_score"),
        ({"new_platforms": ["VR1"]}, "platform"),
        ({"new_genres": ["Battle Royale"]}, "genres"),
        ({"platform_mix": {"Switch": 3, "iOS": 1}}, "platform"),
    ],
    ids=["meta_score_shift=8", "new_platforms=VR1", "new_genres", "platform_mix"],
)
def test_every_readme_drift_scenario_stays_red(trained, training_universe, drift, root):
    games = generate_games_and_universe(
        1000, UNIVERSE_SEED + 5, drift=drift, universe=training_universe
    )[0]
    day = simulate_production(trained.model, games, start=DAY, days=1)
    catalog = run_monitoring(day, trained, DAY)
    status = catalog.load("monitoring_status")
    assert status["status"] == "RED", status["reasons"]
    roots = {r.get("root") for r in status["reason_details"] if r["severity"] == "critical"}
    assert root in roots, status["reasons"]


def test_a_new_universe_every_day_stays_red_on_developers(trained):
    games = generate_games_and_universe(1000, UNIVERSE_SEED + 9)[0]
    catalog = run_monitoring(
        simulate_production(trained.model, games, start=DAY, days=1), trained, DAY
    )
    status = catalog.load("monitoring_status")
    assert status["status"] in {"AMBER", "RED"}, status["reasons"]
    assert "developers" in {r.get("root") for r in status["reason_details"]}


def test_one_reason_per_root_lists_its_features(trained, training_universe):
    games = generate_games_and_universe(
        1000, UNIVERSE_SEED + 5, drift={"new_platforms": ["VR1"]}, universe=training_universe
    )[0]
    catalog = run_monitoring(
        simulate_production(trained.model, games, start=DAY, days=1), trained, DAY
    )
    status = catalog.load("monitoring_status")
    platform = [r for r in status["reason_details"] if r.get("root") == "platform"]
    assert len(platform) == 1
    assert platform[0]["features"][0] == "platform"
    assert platform[0]["message"].startswith("feature drift in platform: PSI(platform)")
    assert status["drift"]["headline"].split(" of ")[0].isdigit()


# ---------------------------------------------------------------------------
# The real file
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_trained(real_data_path):
    from tests.pipelines.training.conftest import model_input_from_csv

    return trained_on(model_input_from_csv(real_data_path))


@pytest.mark.real_data
@pytest.mark.parametrize("n_rows", [50, 400, 1000])
def test_a_day_of_known_real_catalog_games_is_green(real_trained, n_rows):
    n_rows = min(n_rows, len(real_trained.model_input_table))
    for seed in range(3):
        _assert_green(real_trained, n_rows, seed)


def test_a_day_of_harder_games_is_judged_against_their_own_baseline(trained):
    """Only games without a critic score: a higher MAE is expected, not an alarm."""
    missing = trained.model_input_table.loc[trained.model_input_table["meta_score"].isna()]
    day = known_catalog_day(trained.model, missing, 200, DAY)
    catalog = run_monitoring(day, trained, DAY)
    report = catalog.load("performance_report").set_index("metric")
    estimated = report.loc["estimated_mae_unlabelled"]
    cells = trained.reference_profile["novelty"]["cells"]
    assert estimated["baseline"] == pytest.approx(cells["meta=missing"]["mae"])
    assert estimated["baseline"] > trained.reference_profile["baseline"]["mae"]
    assert estimated["change"] == pytest.approx(estimated["value"] - estimated["baseline"])
    assert estimated["flag"] == "ok"
    assert "meta=missing 100%" in estimated["note"]
