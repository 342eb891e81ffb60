"""simulation in real Kedro sessions: prod/ layout, idempotent reruns, the demo loop's status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import data_files


def _files(project) -> dict[str, bytes]:
    prod = project / "data" / "prod"
    return {
        str(p.relative_to(prod)): p.read_bytes() for p in sorted(prod.rglob("*")) if p.is_file()
    }


def test_simulation_writes_one_file_per_day_and_reruns_identically(project_copy, kedro_run):
    params = {"run_date": "2021-03-05", "simulation": {"days": 3}}
    kedro_run(project_copy, pipeline_name="simulation", runtime_params=params)
    first = _files(project_copy)
    inputs = sorted(k for k in first if k.startswith("input/"))
    assert inputs == [f"input/dt=2021-03-0{d}/input.csv" for d in (3, 4, 5)]
    actuals = sorted(k for k in first if k.startswith("actuals/"))
    assert actuals == [f"actuals/dt=2021-03-0{d}/actuals.csv" for d in (3, 4, 5)]
    labels = pd.read_csv(project_copy / "data/prod" / actuals[0], dtype=str)
    assert list(labels.columns) == ["id", "event_date", "real_user_score"]
    kedro_run(project_copy, pipeline_name="simulation", runtime_params=params)
    assert _files(project_copy) == first


RUN_DATE = "2021-03-01"  # globals.default_run_date


def _loop(project: Path, kedro_run, simulation: dict | None = None) -> dict:
    """The default run's last three steps for run_date: simulate, score, monitor."""
    kedro_run(project, "simulation", {"simulation": simulation} if simulation else None)
    kedro_run(project, "scoring")
    kedro_run(project, "monitoring")
    path = project / f"data/08_reporting/monitoring/dt={RUN_DATE}/monitoring_status.json"
    return json.loads(path.read_text())


@pytest.mark.slow
def test_the_default_demo_loop_is_green_and_a_drifted_day_is_not(
    demo_run_project, project_copy, kedro_run
):
    """With the default run's model, a default simulated day (new releases of the
    catalog's franchises and studios) is GREEN; the same day with critic scores 8
    points higher is not.

    Only ``06_models`` is taken from the finished default run, so whatever other
    tests later ran in ``demo_run_project`` does not change what is checked.
    """
    shutil.copytree(
        demo_run_project / "data" / "06_models",
        project_copy / "data" / "06_models",
        dirs_exist_ok=True,
    )
    stable = _loop(project_copy, kedro_run)
    assert stable["status"] == "GREEN", stable["reasons"]
    assert stable["rows"]["predictions_in_window"] >= 900  # PSI judged on enough rows
    assert stable["drift"]["max_feature_psi"] < 0.10

    drift = {"start_date": RUN_DATE, "meta_score_shift": 8}
    drifted = _loop(project_copy, kedro_run, {"drift": drift})
    assert drifted["status"] in {"AMBER", "RED"}, drifted["drift"]
    assert drifted["drift"]["features"]["meta_score"]["flag"] != "ok"


@pytest.mark.parametrize(
    ("runtime_params", "named"),
    [
        ({"simulation": {"run_date": "2021-03-05"}}, ["simulation", "run_date", "Extra inputs"]),
        ({"run_date": "2021-02-30"}, ["run_date", "real calendar day"]),
        ({"simulation": {"days": "many"}}, ["simulation", "days"]),
        ({"simulation": {"drift": {"start_date": "soon"}}}, ["simulation", "start_date"]),
    ],
    ids=["simulation.run_date", "impossible day", "days text", "drift start text"],
)
def test_a_wrong_parameter_is_refused_and_nothing_is_written(
    project_copy, kedro_run, runtime_params, named
):
    before = data_files(project_copy)
    with pytest.raises(Exception) as error:
        kedro_run(project_copy, "simulation", runtime_params)
    for fragment in named:
        assert fragment in str(error.value), str(error.value)
    assert data_files(project_copy) == before
