"""Backfill: a range of days in one process writes exactly the files of single-day runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import click
import pandas as pd
import pytest

from tests.conftest import run_session
from user_score.backfill import backfill, days_between, parse_params

#: Five days. The simulation's labels arrive 1-3 days after a batch day here (7-14 by
#: default), so the last days' monitoring runs measure performance on the first days'
#: labels, as a longer backfill's would.
DAYS = days_between("2021-03-17", "2021-03-21")
LABELS = {"min_delay_days": 1, "max_delay_days": 3}
#: The day the demo's default run scored (conf/base/globals.yml default_run_date).
DEMO_DAY = "2021-03-01"
PIPELINES = ["scoring", "monitoring"]
VOLATILE_KEY = re.compile(r"(seconds|elapsed|trained_at|created|timestamp|started|finished)", re.I)
NORMALISE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<UUID>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}[:.]\d{2}[:.]\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<TS>"),
]


def test_days_between_is_inclusive_and_checked():
    assert days_between("2021-02-27", "2021-03-02") == [
        "2021-02-27",
        "2021-02-28",
        "2021-03-01",
        "2021-03-02",
    ]
    with pytest.raises(click.BadParameter, match="before"):
        days_between("2021-03-02", "2021-03-01")
    with pytest.raises(click.BadParameter, match="calendar"):
        days_between("2021-02-30", "2021-03-01")
    assert parse_params("simulation.days=3,fail_on=critical") == {
        "simulation": {"days": 3},
        "fail_on": "critical",
    }


def _scrub(value):
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if not VOLATILE_KEY.search(str(k))}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def normalised(path: Path) -> str | None:
    """A file's content with run times and random ids replaced (None: not comparable)."""
    if path.suffix in {".pkl", ".sha256", ".lock"}:
        return None
    if path.suffix == ".parquet":
        text = pd.read_parquet(path).to_csv(index=False)
    elif path.suffix == ".json":
        text = json.dumps(_scrub(json.loads(path.read_text())), sort_keys=True)
    else:
        text = path.read_text(errors="replace")
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


def outputs(project: Path) -> dict[str, str | None]:
    data = project / "data"
    return {
        str(path.relative_to(data)): normalised(path)
        for path in sorted(data.rglob("*"))
        if path.is_file() and "08_reporting/timing" not in str(path)
    }


@pytest.fixture(scope="module")
def simulated_project(demo_run_project, tmp_path_factory) -> Path:
    """The demo run's project with five days of simulated batches and labels."""
    project = tmp_path_factory.mktemp("backfill") / "simulated"
    shutil.copytree(demo_run_project, project)
    simulation = {"days": len(DAYS), "labels": LABELS}
    run_session(project, "simulation", {"run_date": DAYS[-1], "simulation": simulation})
    return project


@pytest.mark.slow
def test_a_backfill_writes_the_files_of_single_day_runs(simulated_project, tmp_path):
    single, backfilled = tmp_path / "single", tmp_path / "backfilled"
    shutil.copytree(simulated_project, single)
    shutil.copytree(simulated_project, backfilled)
    for day in DAYS:
        for pipeline in PIPELINES:
            run_session(single, pipeline, {"run_date": day})
    results = backfill(backfilled, DAYS, PIPELINES)
    assert [(r.day, r.pipeline, r.ok) for r in results] == [
        (day, pipeline, True) for day in DAYS for pipeline in PIPELINES
    ]
    expected, got = outputs(single), outputs(backfilled)
    assert sorted(got) == sorted(expected)
    differ = [name for name in expected if expected[name] != got[name]]
    assert differ == []
    statuses = [day for day in DAYS for name in got if f"dt={day}/monitoring_status.json" in name]
    assert statuses == DAYS
    last = backfilled / f"data/08_reporting/monitoring/dt={DAYS[-1]}/monitoring_status.json"
    assert json.loads(last.read_text())["performance"]["state"] != "no_labels"

    # Idempotent: backfilling the last day again replaces its files with the same content.
    # (Rerunning an earlier day rewrites its report with the history known by then.)
    backfill(backfilled, DAYS[-1:], PIPELINES)
    assert outputs(backfilled) == got


@pytest.mark.slow
def test_a_failed_day_does_not_stop_the_backfill_or_leave_a_lock(simulated_project, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(simulated_project, project)
    results = backfill(project, ["2021-01-01", DEMO_DAY], ["monitoring"])
    assert [r.ok for r in results] == [False, True]  # no predictions for 2021-01-01
    assert "no predictions" in results[0].error
    status = json.loads(
        (project / f"data/08_reporting/monitoring/dt={DEMO_DAY}/monitoring_status.json").read_text()
    )
    assert status["run_date"] == DEMO_DAY
