"""A default install (no ``tracking`` extra) runs unchanged: nothing imports MLflow.

The child ``kedro`` process hides kedro-mlflow and MLflow as if they were not
installed (their modules and their distributions' entry points), so this runs
in the dev environment, which has the extra.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, copy_project, kedro_child_env, kedro_cli

HIDE_TRACKING = textwrap.dedent(
    """
    import importlib.metadata as metadata
    import sys

    HIDDEN = ("kedro_mlflow", "kedro-mlflow", "mlflow", "mlflow-skinny", "mlflow_skinny")
    for name in ("kedro_mlflow", "mlflow"):
        sys.modules[name] = None  # `import` fails, importlib.util.find_spec finds nothing
    _distributions = metadata.distributions

    def distributions(**kwargs):
        return (d for d in _distributions(**kwargs) if d.metadata["Name"] not in HIDDEN)

    metadata.distributions = distributions
    """
)


def kedro_without_tracking(
    project: Path, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess:
    site = tmp_path / "hide_tracking"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(HIDE_TRACKING)
    env = kedro_child_env({"PYTHONPATH": str(site), "USER_SCORE_TRACKING": "on"})
    return kedro_cli(project, *args, env=env)


@pytest.mark.slow
def test_a_run_without_the_extra_works_and_records_nothing(tmp_path):
    project = copy_project(tmp_path / "project")
    result = kedro_without_tracking(project, tmp_path, "--pipelines", "data_engineering")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "data/05_model_input/model_input_table.parquet").exists()
    assert not (project / "data/mlflow").exists()
    # (paths left out: the worktree's own name may hold the word)
    output = (result.stdout + result.stderr).replace(str(PROJECT_ROOT), "")
    output = output.replace(str(tmp_path), "").lower()
    assert "mlflow" not in output and "tracking" not in output

    rollback = kedro_without_tracking(
        project, tmp_path, "--pipelines", "rollback", "--params", "rollback.version=1"
    )
    assert rollback.returncode != 0
    output = rollback.stdout + rollback.stderr
    assert "RUN FAILED: the model registry could not give the version" in output
    assert "needs the tracking extra" in output and "make install-tracking" in output
    assert "Traceback" not in output and "ModuleNotFoundError" not in output
