"""simulation through a real Kedro session: the prod/ folder layout and idempotent reruns."""

from __future__ import annotations

import pandas as pd


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
