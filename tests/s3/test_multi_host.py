"""Several machines, one S3 store: real ``kedro run --env s3`` processes against SeaweedFS.

Each process has its own lock folder (``USER_SCORE_LOCK_DIR``), as two
containers would: only the store is shared. Every test starts from a clone of
the session's trained prefix (``s3_default_run``, server-side copies).

* two runs scoring the same day: exactly one runs, the other is refused
  (naming the holder and until when) and writes nothing;
* two monitoring runs for different days at once: the history has both rows;
* the server killed during a scoring run, then restarted: the run fails within
  the timeouts naming endpoint, bucket and operation, the day is absent or
  complete, and the rerun (which takes over the lease left behind) completes it;
* the server stalling (accepts, never answers) during a scoring run: the same.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import KEDRO, copy_project, kedro_child_env
from tests.s3.conftest import DefaultRun, S3Run, clone_prefix, isolated_aws_env
from tests.s3.faults import StallingProxy
from tools.local_s3 import LocalS3, SeaweedFS

pytestmark = [pytest.mark.s3, pytest.mark.slow]

#: A simulated day (batch input written by the default run) that it did not score.
DAY = "2021-02-27"
PREDICTIONS = f"prod/predictions/dt={DAY}/predictions.csv"
LEASE = PREDICTIONS + ".lease"
SUMMARY = f"08_reporting/scoring/dt={DAY}/scoring_summary.json"
FEATURES = f"prod/features/dt={DAY}/features.parquet"
QUARANTINE = f"08_reporting/scoring/dt={DAY}/scoring_quarantine.csv"
HISTORY = "08_reporting/monitoring/monitoring_history.csv"
#: Short storage timeouts and leases, so faults end runs and leases expire in seconds
#: (the timeouts of tests/s3/test_storage_faults.py: a stalled run waits them out
#: once per request it makes, so they set this module's time).
FAST_FAULTS = {
    "s3_fs_args": {
        "config_kwargs": {
            "connect_timeout": 1,
            "read_timeout": 1,
            "retries": {"mode": "standard", "total_max_attempts": 2},
        }
    },
    "run_lease": {"ttl_s": 8, "renew_every_s": 2},
}
#: Worst case for a run to end once the store fails: a few requests of
#: attempts x (connect + read timeout) each, plus Kedro's own start and stop.
FAULT_BOUND_S = 60
#: Runs started until one is killed mid-run: the kill follows the run's lease within a
#: poll, but a loaded machine can see the lease only after the run's last write.
KILL_ATTEMPTS = 3
TIMEOUT_S = float(os.environ.get("USER_SCORE_TEST_RUN_TIMEOUT", "300"))  # against hangs


def _configure(project: Path, settings: dict) -> None:
    path = project / "conf" / "s3" / "globals.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.update(settings)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")


@pytest.fixture
def clone(
    s3_default_run: DefaultRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., S3Run]:
    """A fresh prefix holding the trained project, on the session server or another one."""

    def make(server: LocalS3 | None = None, settings: dict | None = None) -> S3Run:
        source = s3_default_run.s3
        server = server or source.server
        prefix = f"clone-{uuid.uuid4().hex[:10]}/user_score"
        assert clone_prefix(source.server, source.prefix, server, prefix) > 20
        project = copy_project(tmp_path / f"project-{uuid.uuid4().hex[:6]}")
        _configure(project, settings or {})
        isolated_aws_env(monkeypatch, tmp_path)
        env = {**server.aws_env(), "USER_SCORE_S3_ROOT": f"s3://{server.bucket}/{prefix}"}
        return S3Run(server, prefix, project, env)

    return make


class Run:
    """One ``kedro run --env s3`` child process with its own lock folder (one "host")."""

    def __init__(self, s3: S3Run, host: str, *args: str, endpoint: str | None = None) -> None:
        self.log = s3.project.parent / f"{host}-{uuid.uuid4().hex[:6]}.log"
        env = {
            **s3.env,
            "USER_SCORE_LOCK_DIR": str(s3.project.parent / f"locks-{host}"),
            "PYTHONFAULTHANDLER": "1",  # a hung run shows where it hangs (see wait)
        }
        if endpoint:
            env["AWS_ENDPOINT_URL_S3"] = endpoint
        with open(self.log, "w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [KEDRO, "run", "--env", "s3", *args],
                cwd=s3.project,
                env=kedro_child_env(env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self, timeout: float = TIMEOUT_S) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)  # faulthandler: every thread's stack
            time.sleep(2)
            self.process.kill()
            pytest.fail(f"kedro run did not end in {timeout} s; its log:\n{self.output[-8000:]}")

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        if run.process.poll() is None:
            run.process.send_signal(signal.SIGCONT)
            run.process.kill()
            run.process.wait()


def _score(s3: S3Run, host: str, runs: list[Run], endpoint: str | None = None) -> Run:
    run = Run(s3, host, "--pipelines", "scoring", "--params", f"run_date={DAY}", endpoint=endpoint)
    runs.append(run)
    return run


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _snapshot(s3: S3Run) -> dict[str, str]:
    """``{key: ETag}`` of every object under the run's root."""
    client = s3.server.client()
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=s3.server.bucket, Prefix=s3.prefix + "/"
    ):
        for item in page.get("Contents", []):
            found[item["Key"][len(s3.prefix) + 1 :]] = item["ETag"]
    return found


def _read(s3: S3Run, key: str) -> bytes:
    client = s3.server.client()
    return client.get_object(Bucket=s3.server.bucket, Key=f"{s3.prefix}/{key}")["Body"].read()


def _assert_day_absent_or_complete(s3: S3Run) -> str:
    """Every output of the day that exists is whole; with the summary, all are there."""
    objects = _snapshot(s3)
    present = [key for key in (PREDICTIONS, FEATURES, QUARANTINE, SUMMARY) if key in objects]
    predictions = (
        pd.read_csv(io.BytesIO(_read(s3, PREDICTIONS))) if PREDICTIONS in present else None
    )
    if FEATURES in present:
        pd.read_parquet(io.BytesIO(_read(s3, FEATURES)))
    if QUARANTINE in present:
        pd.read_csv(io.BytesIO(_read(s3, QUARANTINE)))
    if SUMMARY not in present:
        return "absent"  # not published: the summary is written last
    summary = json.loads(_read(s3, SUMMARY))
    assert set(present) == {PREDICTIONS, FEATURES, QUARANTINE, SUMMARY}, present
    assert predictions is not None and len(predictions) == summary["rows_scored"], summary
    return "complete"


# ---------------------------------------------------------------- two hosts, one day


def test_two_hosts_scoring_the_same_day_one_runs_the_other_is_refused(clone, runs):
    s3 = clone()
    first = _score(s3, "host-a", runs)
    _wait_for(lambda: LEASE in _snapshot(s3), "the first run's lease")
    first.process.send_signal(signal.SIGSTOP)  # hold it mid-run while the second starts
    before = _snapshot(s3)
    second = _score(s3, "host-b", runs)
    assert second.wait() != 0
    assert _snapshot(s3) == before  # the refused run wrote nothing, not even a lease
    refusal = second.output
    assert "Refusing to run" in refusal and "predictions" in refusal, refusal[-3000:]
    assert f"pid {first.process.pid}" in refusal  # who holds it...
    assert "valid until 20" in refusal  # ...and until when
    first.process.send_signal(signal.SIGCONT)
    assert first.wait() == 0, first.output[-3000:]
    assert _assert_day_absent_or_complete(s3) == "complete"
    assert LEASE not in _snapshot(s3)  # released on success


# ---------------------------------------------------------------- the shared history


def test_two_monitoring_runs_for_different_days_at_once_keep_both_rows(clone, runs):
    s3 = clone()
    days = ("2021-03-02", "2021-03-03")  # the window of each holds the default run's day
    started = [
        Run(s3, f"host-{day}", "--pipelines", "monitoring", "--params", f"run_date={day}")
        for day in days
    ]
    runs.extend(started)
    for run in started:
        assert run.wait() == 0, run.output[-3000:]
    history = pd.read_csv(io.BytesIO(_read(s3, HISTORY)), dtype={"run_date": str})
    assert {"2021-03-01", *days} <= set(history["run_date"])
    assert history["run_date"].is_unique
    assert not [key for key in _snapshot(s3) if key.endswith(".lease")]  # all released


# ---------------------------------------------------------------- storage faults


def _assert_storage_error(run: Run, kind: str, endpoint: str, bucket: str) -> None:
    output = run.output
    assert f"S3 {kind} while" in output, output[-4000:]  # what was being done
    assert f"endpoint {endpoint}" in output and f"bucket '{bucket}'" in output


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[SeaweedFS]:
    weed = SeaweedFS(tmp_path / "own-seaweedfs", bucket="user-score-faults")
    weed.start()
    yield weed
    weed.close()


def test_server_killed_mid_run_then_restarted_the_rerun_completes_the_day(
    clone, runs, own_server: SeaweedFS
):
    for _attempt in range(KILL_ATTEMPTS):
        s3 = clone(own_server.server, FAST_FAULTS)
        run = _score(s3, "host-a", runs)
        _wait_for(lambda s3=s3: LEASE in _snapshot(s3), "the run's lease")
        own_server.kill()  # a crash: connections refused from now on
        killed = time.monotonic()
        if run.wait() != 0:
            break
        # The kill came after the run's last write (on a loaded machine this test saw the
        # lease late): nothing was left to fail, so the day is whole. Again, on a new prefix.
        own_server.start()
        assert _assert_day_absent_or_complete(s3) == "complete", run.output[-3000:]
    else:
        pytest.fail(f"the server was killed after the run's last write {KILL_ATTEMPTS} times")
    assert time.monotonic() - killed < FAULT_BOUND_S
    _assert_storage_error(
        run, "endpoint unreachable", own_server.server.endpoint_url, s3.server.bucket
    )
    assert "expires by itself" in run.output  # the lease could not be released

    own_server.start()
    assert LEASE in _snapshot(s3)  # left behind by the failed run...
    outcome = _assert_day_absent_or_complete(s3)
    # A scheduler's retry comes after the dead run's lease expired (it was last renewed
    # before the kill); a rerun started sooner is refused, as it should be.
    time.sleep(max(0.0, killed + FAST_FAULTS["run_lease"]["ttl_s"] + 1 - time.monotonic()))
    rerun = _score(s3, "host-a", runs)
    assert rerun.wait() == 0, rerun.output[-3000:]  # ...and taken over when it expired
    assert _assert_day_absent_or_complete(s3) == "complete", outcome
    assert LEASE not in _snapshot(s3)


def test_server_stalling_mid_run_ends_it_within_the_timeouts(clone, runs, s3_server):
    s3 = clone(settings=FAST_FAULTS)
    proxy = StallingProxy(s3_server.endpoint_url)
    try:
        run = _score(s3, "host-a", runs, endpoint=proxy.endpoint_url)
        _wait_for(lambda: LEASE in _snapshot(s3), "the run's lease")
        proxy.stall()  # connections accepted, requests never answered
        stalled = time.monotonic()
        assert run.wait() != 0
        elapsed = time.monotonic() - stalled
        assert elapsed < FAULT_BOUND_S, elapsed
        _assert_storage_error(run, "endpoint not answering", proxy.endpoint_url, s3_server.bucket)
        _assert_day_absent_or_complete(s3)
        proxy.resume()
        rerun = _score(s3, "host-a", runs, endpoint=proxy.endpoint_url)
        assert rerun.wait() == 0, rerun.output[-3000:]
        assert _assert_day_absent_or_complete(s3) == "complete"
        assert LEASE not in _snapshot(s3)
    finally:
        proxy.close()
