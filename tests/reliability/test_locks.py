"""Concurrency: one run at a time per output partition; other partitions run side by side."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline
from kedro_datasets.pandas import CSVDataset

from user_score.hooks import RunGuardHook
from user_score.reliability.locks import (
    LOCK_DIR_ENV,
    LockFolderError,
    RunLockedError,
    lock_directory,
    lock_file_for,
)


def _identity(frame):
    return frame


def _scoring_like(root: Path, run_date: str) -> tuple[Pipeline, DataCatalog]:
    """A pipeline that writes ``predictions`` for one date, as scoring does."""
    pipeline = Pipeline([Node(_identity, "batch", "predictions", name="score")])
    catalog = DataCatalog(
        {
            "predictions": CSVDataset(
                filepath=str(root / f"prod/predictions/dt={run_date}/predictions.csv")
            )
        }
    )
    return pipeline, catalog


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.reliability.test_locks import _scoring_like
    from user_score.hooks import RunGuardHook

    hook = RunGuardHook()
    pipeline, catalog = _scoring_like(Path(sys.argv[1]), sys.argv[2])
    hook.before_pipeline_run({"session_id": "holder"}, pipeline, catalog)
    print("locked", flush=True)
    time.sleep(120)
    """
)


@pytest.fixture
def lock_dir(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "locks"
    monkeypatch.setenv(LOCK_DIR_ENV, str(directory))
    return directory


@pytest.fixture
def holder(tmp_path, lock_dir, project_root):
    """Start a process that holds the lock of one date's predictions until it is killed."""
    processes: list[subprocess.Popen] = []

    def start(run_date: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(tmp_path / "data"), run_date],
            cwd=project_root,
            env={**os.environ, LOCK_DIR_ENV: str(lock_dir)},
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout.readline().strip() == "locked"
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_second_run_for_the_same_date_is_refused_with_a_clear_error(tmp_path, holder):
    holder("2024-03-01")
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    with pytest.raises(RunLockedError) as caught:
        RunGuardHook().before_pipeline_run({"session_id": "second"}, pipeline, catalog)
    message = str(caught.value)
    assert "predictions" in message
    assert "dt=2024-03-01" in message  # which partition
    assert "holder" in message  # who holds it (session id of the first run)
    assert "one run at a time" in message  # the rule


def test_runs_for_different_dates_do_not_block_each_other(tmp_path, holder):
    holder("2024-03-01")
    hook = RunGuardHook()
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-02")
    hook.before_pipeline_run({"session_id": "other-date"}, pipeline, catalog)
    catalog.save("predictions", pd.DataFrame({"id": [1]}))
    hook.after_pipeline_run({}, {}, pipeline, catalog)


def test_the_lock_is_released_when_the_holder_is_killed(tmp_path, holder):
    process = holder("2024-03-01")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    hook = RunGuardHook()
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    hook.before_pipeline_run({"session_id": "after-kill"}, pipeline, catalog)  # no stale lock
    hook.on_pipeline_error(RuntimeError("x"), {}, pipeline, catalog)


def test_the_lock_is_released_after_a_run_and_after_a_failed_run(tmp_path, lock_dir):
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    first = RunGuardHook()
    first.before_pipeline_run({"session_id": "1"}, pipeline, catalog)
    first.on_pipeline_error(RuntimeError("boom"), {}, pipeline, catalog)
    second = RunGuardHook()
    second.before_pipeline_run({"session_id": "2"}, pipeline, catalog)
    second.after_pipeline_run({}, {}, pipeline, catalog)
    assert list(lock_dir.glob("*.owner")) == []  # owner notes are removed on release


def test_pipelines_without_locked_outputs_take_no_lock(tmp_path, lock_dir):
    pipeline = Pipeline([Node(_identity, "a", "b", name="n")])
    hook = RunGuardHook()
    hook.before_pipeline_run({}, pipeline, DataCatalog())
    assert not lock_dir.exists()


def test_two_sessions_in_one_process_exclude_each_other(tmp_path, lock_dir):
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    first = RunGuardHook()
    first.before_pipeline_run({"session_id": "first"}, pipeline, catalog)
    try:
        with pytest.raises(RunLockedError, match="first"):
            RunGuardHook().before_pipeline_run({"session_id": "second"}, pipeline, catalog)
    finally:
        first.after_pipeline_run({}, {}, pipeline, catalog)


# ---------------------------------------------------------------- lock folder safety


def _predictions_location(root: Path, run_date: str) -> str:
    return str((root / f"prod/predictions/dt={run_date}/predictions.csv").absolute())


def test_the_owner_note_never_follows_a_symlink(tmp_path, lock_dir):
    """A link planted where the owner note goes must not make the run overwrite its target."""
    lock_dir.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    location = _predictions_location(tmp_path / "data", "2024-03-01")
    owner = Path(str(lock_file_for("predictions", location, lock_dir)) + ".owner")
    owner.symlink_to(victim)

    hook = RunGuardHook()
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    hook.before_pipeline_run({"session_id": "s"}, pipeline, catalog)
    try:
        assert victim.read_text(encoding="utf-8") == "precious"
        assert not owner.is_symlink()  # the note is a regular file of its own...
        assert '"session_id": "s"' in owner.read_text(encoding="utf-8")  # ...naming the holder
        assert stat.S_IMODE(owner.stat().st_mode) == 0o600
    finally:
        hook.after_pipeline_run({}, {}, pipeline, catalog)
    assert victim.read_text(encoding="utf-8") == "precious"


@pytest.fixture
def default_lock_dir(tmp_path, monkeypatch) -> Path:
    """No USER_SCORE_LOCK_DIR; the system temp folder is tmp_path."""
    monkeypatch.delenv(LOCK_DIR_ENV, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return lock_directory()


def test_the_default_lock_folder_is_private_to_the_user(tmp_path, default_lock_dir):
    assert default_lock_dir.parent == tmp_path
    assert str(os.getuid()) in default_lock_dir.name  # per user, not one shared folder
    hook = RunGuardHook()
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    hook.before_pipeline_run({"session_id": "s"}, pipeline, catalog)
    hook.after_pipeline_run({}, {}, pipeline, catalog)
    info = default_lock_dir.lstat()
    assert stat.S_ISDIR(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == os.getuid()


def test_an_open_default_lock_folder_is_made_private(tmp_path, default_lock_dir):
    default_lock_dir.mkdir()
    default_lock_dir.chmod(0o777)
    hook = RunGuardHook()
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    hook.before_pipeline_run({"session_id": "s"}, pipeline, catalog)
    hook.after_pipeline_run({}, {}, pipeline, catalog)
    assert stat.S_IMODE(default_lock_dir.stat().st_mode) == 0o700


def test_a_planted_default_lock_folder_is_refused(tmp_path, default_lock_dir):
    """Another user's folder, or a link, at the default path: refuse, never use it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o777)
    default_lock_dir.symlink_to(elsewhere)
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    with pytest.raises(LockFolderError, match=LOCK_DIR_ENV):
        RunGuardHook().before_pipeline_run({"session_id": "s"}, pipeline, catalog)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a folder owned by another user")
def test_another_users_default_lock_folder_is_refused(tmp_path, default_lock_dir):
    default_lock_dir.mkdir(mode=0o700)
    os.chown(default_lock_dir, 65534, 65534)
    pipeline, catalog = _scoring_like(tmp_path / "data", "2024-03-01")
    with pytest.raises(LockFolderError, match="owned by uid 65534"):
        RunGuardHook().before_pipeline_run({"session_id": "s"}, pipeline, catalog)
    assert list(default_lock_dir.iterdir()) == []
