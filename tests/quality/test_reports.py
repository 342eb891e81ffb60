"""The data-quality reports through real Kedro sessions: produced, previewable, compared."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import project_catalog
from tests.quality.test_profile import changed_catalog
from user_score.contracts import BATCH_COLUMNS, RAW_COLUMNS

RAW_REPORT = Path("data/08_reporting/quality/raw_games")
DAY = "2021-03-01"


def day_report(day: str) -> Path:
    return Path(f"data/08_reporting/quality/batch_input/dt={day}")


def read_profile(project: Path, folder: Path) -> dict:
    return json.loads((project / folder / "profile.json").read_text())


def assert_offline_page(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)\s*=|https?://|@import|url\(", page), path
    return page


def test_data_engineering_reports_the_raw_catalog_and_what_changed_since_the_last_run(
    project_copy, kedro_run
):
    kedro_run(project_copy, pipeline_name="data_engineering")
    first = read_profile(project_copy, RAW_REPORT)
    assert first["rows"] == 2000 and first["comparison"]["previous"] is None
    summary = json.loads(
        (project_copy / "data/08_reporting/data_engineering_summary.json").read_text()
    )
    assert first["contract"]["rows_failed"] == summary["rows_quarantined"] - sum(
        n for reason, n in summary["quarantine_reasons"].items() if "duplicate_game_id" in reason
    )
    columns = pd.read_csv(project_copy / RAW_REPORT / "columns.csv")
    assert list(columns["column"]) == list(RAW_COLUMNS)
    assert "first profile" in assert_offline_page(project_copy / RAW_REPORT / "report.html")

    raw_file = project_copy / "data/01_raw/games_catalog.csv"
    raw = pd.read_csv(raw_file, dtype=str, keep_default_na=True)
    changed_catalog(raw).to_csv(raw_file, index=False)
    kedro_run(project_copy, pipeline_name="data_engineering")

    second = read_profile(project_copy, RAW_REPORT)
    assert second["comparison"]["previous"]["fingerprint"] == first["fingerprint"]
    changes = {(c["kind"], c["column"]) for c in second["comparison"]["changes"]}
    assert {
        ("new_column", "region"),
        ("missing_rate", "meta_score"),
        ("new_categories", "platform"),
    } <= changes
    assert second["status"] == "warning"
    page = assert_offline_page(project_copy / RAW_REPORT / "report.html")
    assert "new column &#x27;region&#x27;" in page


@pytest.mark.slow
def test_default_run_writes_both_reports_and_kedro_viz_can_preview_them(demo_run_project):
    raw = read_profile(demo_run_project, RAW_REPORT)
    day = read_profile(demo_run_project, day_report(DAY))
    assert raw["dataset"] == "raw_games" and raw["target"]["column"] == "user_score"
    assert (day["dataset"], day["run_date"], day["rows"]) == ("batch_input", DAY, 1000)
    assert day["contract"]["rows_failed"] > 0  # the simulation spoils ~2 % of rows
    assert [c["name"] for c in day["columns"]] == list(BATCH_COLUMNS)
    for folder in (RAW_REPORT, day_report(DAY)):
        assert_offline_page(demo_run_project / folder / "report.html")

    catalog = project_catalog(demo_run_project)
    for prefix in ("raw_games", "batch_input"):
        assert json.loads(catalog.get(f"{prefix}_quality_profile").preview())["rows"]
        table = catalog.get(f"{prefix}_quality_columns").preview(nrows=20)
        assert "column" in table["columns"] and len(table["data"]) >= 8


@pytest.mark.slow
def test_a_scoring_day_is_compared_with_the_latest_earlier_day(
    demo_run_project, tmp_path, kedro_run
):
    """The default run simulated 14 days and scored the last; score two more around it."""
    project = tmp_path / "project"
    shutil.copytree(demo_run_project, project, ignore=shutil.ignore_patterns("build"))
    # The shared finished run may hold days other tests scored: the comparison is with
    # the latest profile dated before the day, whatever the run holds.
    folder = project / "data/08_reporting/quality/batch_input"
    days = sorted(path.name[3:] for path in folder.glob("dt=*") if path.name[3:] < "2021-02-27")
    kedro_run(project, pipeline_name="scoring", runtime_params={"run_date": "2021-02-27"})
    earlier = read_profile(project, day_report("2021-02-27"))
    expected = days[-1] if days else None  # 2021-03-01 is later, not earlier
    assert (earlier["comparison"]["previous"] or {}).get("run_date") == expected

    # the shared finished run may hold later days than 2021-02-27 (it is shared): the
    # comparison is with the latest day before DAY, 2021-02-27 or a later one
    latest = max(path.name[3:] for path in folder.glob("dt=*") if path.name[3:] < DAY)
    assert latest >= "2021-02-27"
    kedro_run(project, pipeline_name="scoring", runtime_params={"run_date": DAY})
    rerun = read_profile(project, day_report(DAY))
    assert rerun["comparison"]["previous"]["run_date"] == latest
    assert rerun["comparison"]["same_content"] is False

    header_only = project / "data/prod/input/dt=2021-03-02/input.csv"
    header_only.parent.mkdir(parents=True, exist_ok=True)  # in case the shared run has it
    header_only.write_text(",".join(BATCH_COLUMNS) + "\n")
    kedro_run(project, pipeline_name="scoring", runtime_params={"run_date": "2021-03-02"})
    empty = read_profile(project, day_report("2021-03-02"))
    assert empty["rows"] == 0 and empty["status"] == "warning"
    messages = [finding["message"] for finding in empty["findings"]]
    assert "the file has no data rows" in messages
    assert any(m.startswith("rows 1,000 -> 0") for m in messages)
    assert "no data rows" in assert_offline_page(project / day_report("2021-03-02") / "report.html")
