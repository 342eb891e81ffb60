"""A default install (no ``tracking`` extra) runs unchanged: nothing imports MLflow.

The child ``kedro`` process hides kedro-mlflow and MLflow as if they were not
installed (their modules and their distributions' entry points:
``tests/default_install``, which every test's child processes get), so this
runs in the dev environment, which has the extra.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_INSTALL, PROJECT_ROOT, copy_project, kedro_child_env, kedro_cli


def kedro_without_tracking(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``kedro run ARGS`` as the default install runs it, with tracking switched on."""
    env = kedro_child_env({"USER_SCORE_TRACKING": "on"})
    assert str(DEFAULT_INSTALL) in env["PYTHONPATH"]
    return kedro_cli(project, *args, env=env)


@pytest.mark.slow
def test_a_run_without_the_extra_works_and_records_nothing(tmp_path):
    project = copy_project(tmp_path / "project")
    result = kedro_without_tracking(project, "--pipelines", "data_engineering")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "data/05_model_input/model_input_table.parquet").exists()
    assert not (project / "data/mlflow").exists()
    # (paths left out: the worktree's own name may hold the word)
    output = (result.stdout + result.stderr).replace(str(PROJECT_ROOT), "")
    output = output.replace(str(tmp_path), "").lower()
    assert "mlflow" not in output and "tracking" not in output

    rollback = kedro_without_tracking(
        project, "--pipelines", "rollback", "--params", "rollback.version=1"
    )
    assert rollback.returncode != 0
    output = rollback.stdout + rollback.stderr
    assert "RUN FAILED: the model registry could not give the version" in output
    assert "needs the tracking extra" in output and "make install-tracking" in output
    assert "Traceback" not in output and "ModuleNotFoundError" not in output
