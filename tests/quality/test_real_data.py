"""The raw catalog's report on the real file matches its known statistics (no row is copied)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.real_data
def test_real_file_report_matches_its_known_statistics(real_data_path, project_copy, kedro_run):
    kedro_run(
        project_copy,
        pipeline_name="data_engineering",
        runtime_params={"raw_games_path": str(real_data_path)},
    )
    folder = project_copy / "data/08_reporting/quality/raw_games"
    profile = json.loads((folder / "profile.json").read_text())
    assert profile["rows"] == 1026
    missing = {column["name"]: column["missing_pct"] for column in profile["columns"]}
    assert (missing["meta_score"], missing["user_score"], missing["esrb_rating"]) == (
        35.6,
        24.3,
        11.3,
    )
    assert profile["target"]["labelled"] == 777
    assert profile["duplicates"]["exact_duplicates"]["rows"] == 0
    assert profile["contract"]["rows_checked"] == 1026
    assert "35.6 %" in (folder / "report.html").read_text()
