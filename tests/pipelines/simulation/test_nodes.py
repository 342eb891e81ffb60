"""simulation: reproducible days, delayed partial labels, drift, rows scoring rejects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from user_score.contracts import BATCH_COLUMNS
from user_score.demo_data import DEFAULT_SEED
from user_score.params import RunDate
from user_score.pipelines.scoring.nodes import validate_batch_input
from user_score.pipelines.simulation import create_pipeline
from user_score.pipelines.simulation.nodes import (
    drift_for_day,
    simulate_day,
    simulate_production,
)
from user_score.pipelines.simulation.params import SimulationParams
from user_score.titles import franchise_key

PARAMS_FILE = Path(__file__).resolve().parents[3] / "conf/base/parameters_simulation.yml"
RUN_DATE = RunDate("2021-03-01")
SMALL = {"days": 5, "games_per_day": 120, "seed": 7, "invalid_row_rate": 0.05}


def simulation_params(**overrides: Any) -> SimulationParams:
    """``params:simulation`` from conf/base with ``overrides`` merged in (one level deep)."""
    params = yaml.safe_load(PARAMS_FILE.read_text())["simulation"]
    for key, value in {**SMALL, **overrides}.items():
        params[key] = {**params[key], **value} if isinstance(value, dict) else value
    return SimulationParams.model_validate(params)


PARAMS = simulation_params()


@pytest.fixture(scope="module")
def simulated():
    return simulate_production(RUN_DATE, PARAMS)


def test_window_layout_and_partition_keys(simulated):
    batch_input, earlier, actuals, summary = simulated
    assert list(batch_input.columns) == list(BATCH_COLUMNS)
    assert batch_input["id"].str.startswith("g20210301-").all()
    assert sorted(earlier) == [f"dt=2021-02-{d}/input" for d in ("25", "26", "27", "28")]
    assert summary["days"] == ["2021-02-25", "2021-02-26", "2021-02-27", "2021-02-28", "2021-03-01"]
    assert all(len(frame) == 120 for frame in earlier.values())
    for key, labels in actuals.items():
        assert list(labels.columns) == ["id", "event_date", "real_user_score"]
        assert (labels["event_date"] == key[3:13]).all()  # one arrival day per partition
        assert "2021-02-25" <= key[3:13] <= "2021-03-01"  # nothing from the future


def test_labels_arrive_7_to_14_days_later_and_not_for_every_game():
    day = pd.Timestamp("2021-02-10")
    batch, labels = simulate_day(day, PARAMS)
    delay = (pd.to_datetime(labels["event_date"]) - day).dt.days
    assert delay.between(7, 14).all() and delay.nunique() > 3
    assert 0 < len(labels) < len(batch)
    assert set(labels["id"]) <= set(batch["id"])
    assert labels["real_user_score"].between(0, 10).all()


def test_days_are_reproducible_whatever_the_window():
    day = pd.Timestamp("2021-02-27")
    first = simulate_day(day, PARAMS)
    again = simulate_day(day, simulation_params(days=30))
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    # An actuals partition is the same whichever window wrote it.
    _, _, short, _ = simulate_production(RUN_DATE, PARAMS)
    _, _, long, _ = simulate_production(RunDate("2021-03-03"), simulation_params(days=8))
    pd.testing.assert_frame_equal(short["dt=2021-02-28/actuals"], long["dt=2021-02-28/actuals"])


def test_spoiled_rows_are_exactly_what_scoring_quarantines(simulated):
    batch_input, *_ = simulated
    valid, rejected, intake = validate_batch_input(batch_input, RUN_DATE)
    assert len(rejected) > 0 and len(valid) + len(rejected) == intake["rows_in"]
    reasons = set(rejected["reason"].str.split("; ").explode())
    assert reasons <= {
        "meta_score: number_in_range(0,100)",
        "date: release_date_format",
        "date: not_cancelled",
        "genres: list_string",
        "platform: not_nullable",
        "id: unique",
    }


def test_drift_starts_on_its_start_date():
    drift = {"start_date": "2021-02-27", "meta_score_shift": -15.0, "new_platforms": "VR9,Z1"}
    params = simulation_params(drift=drift, invalid_row_rate=0.0)
    assert drift_for_day(pd.Timestamp("2021-02-26"), params.drift) == {}
    assert drift_for_day(pd.Timestamp("2021-02-27"), params.drift) == {
        "meta_score_shift": -15.0,
        "new_platforms": ["VR9", "Z1"],
        "new_platform_rate": 0.3,
    }
    stable, _ = simulate_day(pd.Timestamp("2021-02-26"), params)
    drifted, _ = simulate_day(pd.Timestamp("2021-02-28"), params)
    meta = {
        name: pd.to_numeric(b["meta_score"]).mean() for name, b in [("s", stable), ("d", drifted)]
    }
    assert meta["d"] < meta["s"] - 8
    assert not stable["platform"].isin(["VR9", "Z1"]).any()
    assert drifted["platform"].isin(["VR9", "Z1"]).mean() > 0.1


def test_days_continue_the_demo_catalogs_franchises(project_root):
    """A day without drift is new releases of the trained-on franchises (unless seed: null)."""
    committed = pd.read_csv(project_root / "data" / "01_raw" / "games_catalog.csv")
    conf = yaml.safe_load(
        (project_root / "conf" / "base" / "parameters_simulation.yml").read_text()
    )["simulation"]["universe"]
    # The configured universe is the committed catalog's: same seed, same size.
    assert (conf["seed"], conf["catalog_rows"]) == (DEFAULT_SEED, len(committed))
    keys = set(committed["title"].map(franchise_key))
    day = pd.Timestamp("2021-02-27")

    def known_share(universe):
        batch, _ = simulate_day(day, simulation_params(universe=universe, invalid_row_rate=0.0))
        return batch["title"].map(franchise_key).isin(keys).mean()

    assert known_share({}) > 0.5
    assert known_share({"seed": None}) < 0.2  # every day invents its own franchises


def test_pipeline_runs_on_an_in_memory_catalog():
    catalog = DataCatalog(
        {
            "params:run_date": MemoryDataset(RUN_DATE),
            "params:simulation": MemoryDataset(simulation_params(days=2)),
        }
    )
    SequentialRunner().run(create_pipeline(), catalog)
    assert catalog.load("batch_input")["id"].str.startswith("g20210301-").all()
    assert list(catalog.load("simulated_batch_inputs")) == ["dt=2021-02-28/input"]
    assert catalog.load("simulation_summary")["rows_per_day"] == {
        "2021-02-28": 120,
        "2021-03-01": 120,
    }
