"""A successful ``kedro run`` under the project's console config: a few lines, then the summary."""

from __future__ import annotations

import os

import pytest

from tests.conftest import copy_project, kedro_cli

pytestmark = pytest.mark.slow


def test_a_run_prints_a_few_lines_and_ends_with_its_summary(tmp_path):
    project = copy_project(tmp_path / "project")
    env = {key: value for key, value in os.environ.items() if key != "KEDRO_LOGGING_CONFIG"}
    done = kedro_cli(project, "--pipelines", "data_engineering", env={**env, "COLUMNS": "120"})
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    lines = output.strip().splitlines()
    assert len(lines) <= 20, output
    assert "Loading data from" not in output and "Running node" not in output
    assert "Deprecat" not in output and "UserWarning" not in output
    assert lines[1].startswith("user-score run: data_engineering | run_date 2021-03-01 | env local")
    assert "rows in " in output and "quarantined" in output
    assert "quarantine  data/02_intermediate/games_quarantine.csv" in output
    assert lines[-2] == "next        kedro run --pipelines training"
