"""Each known error ends a real ``kedro run`` with one block, never a chain of tracebacks.

Every case runs ``kedro run`` as a child process in a project copy (plain
logging, tests/conftest.py::kedro_child_env) and reads what a user would read;
one case runs under the project's own console config (conf/logging.yml), and one
under the full-detail switch (conf/logging_verbose.yml), which adds the traceback.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from tests.conftest import PROJECT_ROOT, copy_project, kedro_child_env, kedro_cli
from user_score.reliability.locks import LOCK_DIR_ENV, lock_file_for

pytestmark = pytest.mark.slow

HEADER = "id,title,platform,date,meta_score,esrb_rating,developers,genres\n"
ROW = "g1,Some Made Up Game,Switch,2019-05-01,80.0,E,['Nintendo'],\"['Action']\"\n"
TRACEBACK = "Traceback (most recent call last)"


def kedro(project: Path, *args: str, plain: bool = True, **env: str) -> str:
    """Run ``kedro run ARGS`` in ``project``; its exit code must be 1; its output."""
    base = {key: value for key, value in os.environ.items() if key != "KEDRO_LOGGING_CONFIG"}
    child_env = kedro_child_env(env, base) if plain else {**base, **env}
    done = kedro_cli(project, *args, env=child_env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    return output


def block(output: str) -> str:
    """The error block of ``output`` (exactly one)."""
    assert output.count("RUN FAILED: ") == 1, output
    return output[output.index("RUN FAILED: ") :]


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


def write_batch(project: Path, day: str, text: str) -> Path:
    path = project / "data" / "prod" / "input" / f"dt={day}" / "input.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_day_names_the_nearest_days_that_exist(project):
    for day in ("2021-02-26", "2021-02-27", "2021-03-04", "2021-01-01"):
        write_batch(project, day, HEADER + ROW)
    text = block(kedro(project, "--pipelines", "scoring", "--params", "run_date=2021-03-01"))
    assert "no 'batch_input' partition for 2021-03-01" in text
    assert "dt=2021-03-01/input.csv" in text
    assert "2021-02-27, 2021-03-04" in text and "2021-01-01" not in text
    assert "kedro run --pipelines simulation --params run_date=2021-03-01" in text
    assert TRACEBACK not in text


def test_a_contract_violation_names_dataset_file_and_rule(project):
    path = write_batch(project, "2021-03-01", "foo,bar\n1,2\n")
    text = block(kedro(project, "--pipelines", "scoring", "--params", "run_date=2021-03-01"))
    assert "data contract violated" in text
    assert "dataset : batch_input" in text and f"path    : {path}" in text
    assert "required column is missing" in text and "docs/data_contract.md" in text
    assert TRACEBACK not in text


def test_an_unreadable_file_says_why(project):
    write_batch(project, "2021-03-01", "")
    text = block(kedro(project, "--pipelines", "scoring", "--params", "run_date=2021-03-01"))
    assert "a dataset could not be read" in text and "dataset : batch_input" in text
    assert "EmptyDataError" in text
    assert TRACEBACK not in text


def test_a_bad_parameter_is_one_block(project):
    text = block(kedro(project, "--pipelines", "scoring", "--params", "run_date=2021-02-30"))
    assert "a parameter is not valid" in text and "run_date" in text
    assert TRACEBACK not in text


def test_a_damaged_model_is_one_block(project):
    write_batch(project, "2021-03-01", HEADER + ROW)
    version = project / "data" / "06_models" / "model.pkl" / "2021-03-01T00.00.00.000Z"
    version.mkdir(parents=True)
    (version / "model.pkl").write_bytes(b"not a model")
    (version / "model.pkl.sha256").write_text("0" * 64 + "  model.pkl\n")
    text = block(kedro(project, "--pipelines", "scoring", "--params", "run_date=2021-03-01"))
    assert "model integrity check failed" in text and "dataset : model" in text
    assert str(version / "model.pkl") in text and "retrain" in text
    assert TRACEBACK not in text


def test_a_locked_output_is_one_block(project, tmp_path):
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    location = str(project / "data" / "prod" / "predictions" / "dt=2021-03-01" / "predictions.csv")
    with FileLock(str(lock_file_for("predictions", location, lock_dir))):
        output = kedro(
            project,
            "--pipelines",
            "scoring",
            "--params",
            "run_date=2021-03-01",
            **{LOCK_DIR_ENV: str(lock_dir)},
        )
    text = block(output)
    assert "another run is writing the same output" in text
    assert "dataset : predictions" in text and f"path    : {location}" in text
    assert "Wait for it to finish" in text
    assert TRACEBACK not in text


def test_an_unreachable_store_is_one_block(project):
    text = block(
        kedro(
            project,
            "--env",
            "s3",
            "--pipelines",
            "scoring",
            USER_SCORE_S3_ROOT="s3://user-score-test/none",
            AWS_ENDPOINT_URL_S3="http://127.0.0.1:9",
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test-secret",
        )
    )
    assert "the storage could not be accessed" in text and "127.0.0.1:9" in text
    assert TRACEBACK not in text


def test_a_monitoring_alert_is_one_block_naming_the_report(demo_run_project, tmp_path):
    """A drifted run_date (a platform the model never saw) with fail_on=critical.

    The finished demo run's copy re-simulates run_date only, with drift, then
    scores and monitors it: the status is RED and the run fails after saving
    the report, with one block that names it.
    """
    project = tmp_path / "project"
    shutil.copytree(demo_run_project, project)
    day = "2021-03-01"
    params = (
        f"run_date={day},fail_on=critical,simulation.days=1,"
        f"simulation.drift.start_date={day},simulation.drift.new_platforms=VR1,"
        "simulation.drift.new_platform_rate=0.5"
    )
    output = kedro(project, "--pipelines", "simulation,scoring,monitoring", "--params", params)
    text = block(output)
    report = project / f"data/08_reporting/monitoring/dt={day}/monitoring_report.html"
    status = json.loads((report.parent / "monitoring_status.json").read_text())
    assert status["status"] == "RED" and report.is_file()  # the evidence is saved first
    assert text.startswith("RUN FAILED: monitoring status reached fail_on")
    shown = report.relative_to(project)  # relative to where `kedro run` was started
    assert "dataset : monitoring_report" in text and f"path    : {shown}" in text
    assert f"why     : monitoring status RED for {day} (fail_on=critical)" in text
    assert f"recommended action: {status['recommended_action']}" in text
    assert "platform" in text  # the reason
    assert f"to do   : read the report ({shown})" in text and "docs/runbook.md" in text
    assert (PROJECT_ROOT / "docs" / "runbook.md").is_file()
    assert TRACEBACK not in output and "direct cause of the following exception" not in output


def test_the_default_console_shows_the_block_and_the_switch_adds_the_traceback(project):
    """What a user sees: conf/logging.yml (Rich), then conf/logging_verbose.yml."""
    quiet = kedro(project, "--pipelines", "scoring", "--params", "run_date=2021-03-01", plain=False)
    assert block(quiet).startswith("RUN FAILED: no 'batch_input' partition for 2021-03-01")
    assert "Traceback" not in quiet and "Loading data from" not in quiet
    assert len(quiet.splitlines()) <= 15, quiet
    verbose = kedro(
        project,
        "--pipelines",
        "scoring",
        "--params",
        "run_date=2021-03-01",
        plain=False,
        KEDRO_LOGGING_CONFIG="conf/logging_verbose.yml",
    )
    assert "Traceback" in verbose and "Loading data from" in verbose
    assert "RUN FAILED: no 'batch_input' partition" in verbose
