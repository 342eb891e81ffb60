"""Scoring under faults: SIGKILL mid-write, concurrent runs, a tampered model, secrets set.

These run the real ``kedro run --pipelines scoring`` in a project copy whose
model store holds a small model saved exactly as training saves it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from tests.reliability.conftest import (
    batch_frame,
    model_path,
    run_kedro,
    scoring_outputs,
    start_kedro,
    write_batch,
)
from user_score.reliability.atomic import is_temp_file
from user_score.reliability.locks import LOCK_DIR_ENV, lock_directory, lock_file_for

pytestmark = pytest.mark.slow


def _check_complete(project: Path, run_date: str, rows: int) -> None:
    """Every output of the date is a complete file of this batch (never truncated)."""
    outputs = scoring_outputs(project, run_date)
    summary = json.loads(outputs["scoring_summary"].read_text())
    assert summary["rows_in"] == rows
    assert summary["rows_scored"] + summary["rows_quarantined"] == rows
    predictions = pd.read_csv(outputs["predictions"], dtype={"id": str})
    assert len(predictions) == summary["rows_scored"]
    assert predictions["predicted_user_score"].notna().all()
    assert predictions["features_hash"].notna().all()  # the last column of the last row too
    assert len(pd.read_parquet(outputs["scored_features"])) == summary["rows_scored"]


def _temp_files(project: Path) -> list[Path]:
    return [path for path in (project / "data").rglob("*") if is_temp_file(path)]


def test_sigkill_during_a_scoring_save_keeps_complete_outputs(scoring_project, tmp_path):
    run_date, rows = "2021-05-01", 40_000
    write_batch(scoring_project, run_date, batch_frame(rows, seed=5))
    env = {LOCK_DIR_ENV: str(tmp_path / "locks")}
    first = run_kedro(scoring_project, run_date, env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    _check_complete(scoring_project, run_date, rows)
    before = {
        name: path.read_bytes() for name, path in scoring_outputs(scoring_project, run_date).items()
    }

    # Rerun the same date and kill it the moment one of its outputs is half-written.
    process = start_kedro(scoring_project, run_date, env)
    killed_mid_write = False
    try:
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline:
            if any(t.exists() and t.stat().st_size > 0 for t in _temp_files(scoring_project)):
                process.send_signal(signal.SIGKILL)
                killed_mid_write = True
                break
            time.sleep(0.002)
    finally:
        if process.poll() is None and not killed_mid_write:
            process.kill()
        process.wait(timeout=60)
    assert killed_mid_write, "the rerun finished before any save could be interrupted"
    assert process.returncode == -signal.SIGKILL

    # Each output is its previous complete version (or, if its save had finished
    # before the kill, the new complete one: same batch, same bytes apart from timings).
    _check_complete(scoring_project, run_date, rows)
    after = {
        name: path.read_bytes() for name, path in scoring_outputs(scoring_project, run_date).items()
    }
    assert after["predictions"] == before["predictions"]
    assert _temp_files(scoring_project), "a killed write leaves its hidden temporary file"

    # The lock died with the process; the next run succeeds and sweeps the litter.
    again = run_kedro(scoring_project, run_date, env)
    assert again.returncode == 0, again.stdout[-3000:]
    _check_complete(scoring_project, run_date, rows)
    assert _temp_files(scoring_project) == []


HOLDER = textwrap.dedent(
    """
    import sys, time
    from filelock import FileLock
    lock = FileLock(sys.argv[1])
    lock.acquire()
    print("locked", flush=True)
    time.sleep(300)
    """
)


def test_a_second_run_for_a_date_being_scored_is_refused(scoring_project, tmp_path):
    run_date, other_date = "2021-05-02", "2021-05-03"
    write_batch(scoring_project, run_date, batch_frame(300, seed=1))
    write_batch(scoring_project, other_date, batch_frame(400, seed=2))
    lock_dir = tmp_path / "locks"
    env = {LOCK_DIR_ENV: str(lock_dir)}
    # Stand-in for a long scoring run of run_date: a process holding its lock.
    os.environ[LOCK_DIR_ENV] = str(lock_dir)
    try:
        location = scoring_outputs(scoring_project, run_date)["predictions"]
        lock_path = lock_file_for("predictions", str(location), lock_directory())
    finally:
        del os.environ[LOCK_DIR_ENV]
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = run_kedro(scoring_project, run_date, env)
        other = run_kedro(scoring_project, other_date, env)  # a different date runs meanwhile
    finally:
        holder.kill()
        holder.wait()
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "Refusing to run" in output and f"dt={run_date}" in output
    # The whole refused location on one line, however long the temporary path
    # (the child logs plainly: tests/logging_plain.yml).
    assert f"writing 'predictions' at {location} " in output, output[-3000:]
    assert not scoring_outputs(scoring_project, run_date)["predictions"].exists()
    assert other.returncode == 0, other.stdout[-3000:]
    _check_complete(scoring_project, other_date, 400)


def test_two_dates_scored_at_the_same_time_do_not_interfere(scoring_project, tmp_path):
    env = {LOCK_DIR_ENV: str(tmp_path / "locks")}
    dates = {"2021-05-04": 3_000, "2021-05-05": 2_000}
    for seed, (run_date, rows) in enumerate(dates.items()):
        write_batch(scoring_project, run_date, batch_frame(rows, seed=seed, id_prefix=run_date))
    processes = {run_date: start_kedro(scoring_project, run_date, env) for run_date in dates}
    for process in processes.values():
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-3000:]
    for run_date, rows in dates.items():
        _check_complete(scoring_project, run_date, rows)
        ids = pd.read_csv(scoring_outputs(scoring_project, run_date)["predictions"])["id"]
        assert ids.str.startswith(run_date).all()  # each date holds only its own batch


def test_a_tampered_model_stops_scoring_naming_the_file(tmp_path_factory, trained_model, kedro_run):
    from kedro.io import Version

    from tests.conftest import copy_project
    from user_score.datasets import ModelArtifactDataset

    project = copy_project(tmp_path_factory.mktemp("tampered") / "project")
    ModelArtifactDataset(filepath=str(model_path(project)), version=Version(None, None)).save(
        trained_model
    )
    model_file = next(model_path(project).glob("*/model.pkl"))
    payload = bytearray(model_file.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    model_file.write_bytes(bytes(payload))
    run_date = "2021-05-06"
    write_batch(project, run_date, batch_frame(200))
    with pytest.raises(Exception) as caught:
        kedro_run(project, pipeline_name="scoring", runtime_params={"run_date": run_date})
    message = str(caught.value)
    assert "integrity check failed" in message
    assert str(model_file) in message
    assert not scoring_outputs(project, run_date)["predictions"].exists()
    assert not scoring_outputs(project, run_date)["scoring_summary"].exists()


def test_no_secret_in_a_scoring_run(scoring_project, tmp_path):
    run_date = "2021-05-07"
    write_batch(scoring_project, run_date, batch_frame(500))
    secret = f"scoring-secret-{uuid.uuid4().hex}"
    token = f"scoring-token-{uuid.uuid4().hex}"
    credentials = scoring_project / "conf" / "local" / "credentials.yml"
    credentials.parent.mkdir(parents=True, exist_ok=True)
    credentials.write_text(f"project_s3:\n  key: AKIAEXAMPLE1234\n  secret: {secret}\n")
    env = {
        LOCK_DIR_ENV: str(tmp_path / "locks"),
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_SESSION_TOKEN": token,
    }
    try:
        result = run_kedro(scoring_project, run_date, env)
        failing = run_kedro(scoring_project, f"{run_date}-{token}", env)  # a bad run_date
    finally:
        credentials.unlink()
    assert result.returncode == 0, result.stdout[-3000:]
    assert failing.returncode != 0
    # Refused before the run starts, naming the parameter but not echoing its value
    # (an error raised before the pipeline runs is printed without the redaction hooks).
    assert "Parameter 'run_date'" in failing.stdout + failing.stderr
    for stream in (result.stdout, result.stderr, failing.stdout, failing.stderr):
        assert secret not in stream and token not in stream
    for path in (scoring_project / "data").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert secret.encode() not in content and token.encode() not in content, path
