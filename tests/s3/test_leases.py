"""Run leases and compare-and-swap updates against a real S3 server (SeaweedFS).

The library level, with short lease times: a lease is exclusive and names its
holder; an expired one is taken over and its former holder is fenced off; a
silent one is waited out; a live one is refused; conditional updates lose
nothing when writers interleave. The same machinery in real ``kedro run``
processes: test_multi_host.py.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest

from tools.local_s3 import LocalS3
from user_score.datasets.pandas import UpsertCSVDataset
from user_score.reliability import conditional
from user_score.reliability.atomic_s3 import AtomicS3FileSystem
from user_score.reliability.conditional import ConcurrentUpdateError, update_object
from user_score.reliability.leases import (
    LeaseHeldError,
    LeaseKeeper,
    LeaseLostError,
    LeaseSettings,
    S3Lease,
)

pytestmark = pytest.mark.s3

#: Short enough to expire within a test, long enough for the store's 1 s timestamps.
QUICK = LeaseSettings(ttl_s=3.0, renew_every_s=0.5)


def _options(server: LocalS3) -> dict:
    return {
        "key": server.access_key,
        "secret": server.secret_key,
        "client_kwargs": {"endpoint_url": server.endpoint_url, "region_name": server.region},
    }


@pytest.fixture
def fs(s3_server: LocalS3) -> AtomicS3FileSystem:
    return AtomicS3FileSystem(**_options(s3_server))


@pytest.fixture
def location(s3_server: LocalS3) -> str:
    return f"s3://{s3_server.bucket}/leases-{uuid.uuid4().hex[:8]}/dt=2021-03-01/predictions.csv"


def _lease(fs, location: str, host: str, settings: LeaseSettings = QUICK) -> S3Lease:
    holder = {"host": host, "pid": 4242, "user": "test", "session_id": f"session-{host}"}
    return S3Lease(fs, "predictions", location, settings, holder)


@pytest.fixture
def leases() -> Iterator[list[S3Lease]]:
    made: list[S3Lease] = []
    yield made
    for lease in made:
        lease.release()


# ---------------------------------------------------------------- leases


def test_a_lease_is_exclusive_names_its_holder_and_is_released(fs, location, leases):
    first = _lease(fs, location, "host-a")
    first.acquire()
    leases.append(first)
    body = json.loads(conditional.get_object(fs, first.url).content)
    assert body["holder"]["host"] == "host-a" and body["dataset"] == "predictions"
    assert {"started", "renewed", "expires", "ttl_s"} <= set(body)

    with pytest.raises(LeaseHeldError) as refused:
        _lease(fs, location, "host-b").acquire()
    message = str(refused.value)
    assert "host host-a" in message and "session session-host-a" in message  # who
    assert "valid until 20" in message  # until when (an ISO time)
    assert "dt=2021-03-01" in message and "one run at a time" in message

    first.release()
    assert conditional.get_object(fs, first.url) is None
    second = _lease(fs, location, "host-b")
    second.acquire()  # free again
    leases.append(second)


def test_an_expired_lease_is_taken_over_and_its_holder_fenced_off(fs, location, leases):
    stale = _lease(fs, location, "host-a")
    stale.acquire()  # and never renewed: its run died, or is paused
    leases.append(stale)
    time.sleep(QUICK.ttl_s + 1.5)

    started = time.monotonic()
    fresh = _lease(fs, location, "host-b")
    fresh.acquire()
    leases.append(fresh)
    assert time.monotonic() - started < 2  # expired: taken over at once, no waiting
    assert json.loads(conditional.get_object(fs, fresh.url).content)["holder"]["host"] == "host-b"

    stale.renew()  # the old holder wakes up: its If-Match fails
    with pytest.raises(LeaseLostError, match="took it over"):
        stale.check()  # ...so it writes nothing more
    stale.release()  # and does not delete the new holder's lease
    assert json.loads(conditional.get_object(fs, fresh.url).content)["holder"]["host"] == "host-b"
    fresh.check()


@pytest.mark.slow
def test_a_silent_lease_is_waited_out_and_a_live_one_refused(fs, location, leases):
    settings = LeaseSettings(ttl_s=6.0, renew_every_s=0.5)
    live = _lease(fs, location, "host-a", settings)
    live.acquire()
    leases.append(live)
    keeper = LeaseKeeper([live], settings)
    keeper.start()
    try:
        time.sleep(settings.ttl_s + 1)  # older than ttl, but renewed all along
        with pytest.raises(LeaseHeldError, match="host host-a"):
            _lease(fs, location, "host-b", settings).acquire()
        live.check()
    finally:
        keeper.stop()
    # Its holder stops renewing (killed): the next run waits for the expiry, then takes it.
    time.sleep(4.5)  # silent for more than two renewal periods plus the timestamps' resolution
    started = time.monotonic()
    waiter = _lease(fs, location, "host-c", settings)
    waiter.acquire()
    leases.append(waiter)
    waited = time.monotonic() - started
    assert 0.5 < waited < settings.ttl_s + 2, waited
    assert json.loads(conditional.get_object(fs, waiter.url).content)["holder"]["host"] == "host-c"


def test_a_holder_that_cannot_renew_fences_itself(fs, location, leases):
    lease = _lease(fs, location, "host-a")
    lease.acquire()
    leases.append(lease)
    lease.check()
    time.sleep(QUICK.ttl_s * 0.85)  # no renewal succeeded for most of the ttl
    with pytest.raises(LeaseLostError, match="not renewed"):
        lease.check()


def test_lease_settings_must_renew_before_expiry():
    assert LeaseSettings.from_config({"ttl_s": 90}).renew_every_s == 20
    with pytest.raises(ValueError, match="less than half"):
        LeaseSettings.from_config({"ttl_s": 30, "renew_every_s": 20})


# ---------------------------------------------------------------- compare-and-swap


def test_an_interleaved_write_is_kept_and_the_update_retried(fs, s3_server):
    path = f"{s3_server.bucket}/cas-{uuid.uuid4().hex[:8]}/table.txt"
    conditional.put_object(fs, path, b"a\n")
    calls = []

    def append_b(current: bytes | None) -> bytes:
        if not calls:  # another run writes between this read and this write
            conditional.put_object(fs, path, current + b"c\n")
        calls.append(current)
        return current + b"b\n"

    attempts = update_object(fs, path, append_b, backoff_s=0.01)
    assert attempts == 2  # the first conditional write was refused...
    assert conditional.get_object(fs, path).content == b"a\nc\nb\n"  # ...nothing was lost


def test_an_update_that_always_conflicts_gives_up_and_writes_nothing(fs, s3_server):
    path = f"{s3_server.bucket}/cas-{uuid.uuid4().hex[:8]}/table.txt"

    def sabotaged(current: bytes | None) -> bytes:
        conditional.put_object(fs, path, f"other {uuid.uuid4().hex}".encode())
        return b"mine"

    with pytest.raises(ConcurrentUpdateError, match="3 read-modify-write attempts"):
        update_object(fs, path, sabotaged, attempts=3, backoff_s=0.01)
    assert conditional.get_object(fs, path).content.startswith(b"other ")


def test_concurrent_upserts_on_s3_keep_every_row(s3_server):
    """Six writers, four rows each, one S3 object: compare-and-swap loses none."""
    filepath = f"s3://{s3_server.bucket}/cas-{uuid.uuid4().hex[:8]}/monitoring_history.csv"
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        history = UpsertCSVDataset(
            filepath=filepath,
            key="run_date",
            max_attempts=30,
            save_args={"index": False},
            credentials=_options(s3_server),
        )
        try:
            for day in range(4):
                history.save(pd.DataFrame([{"run_date": f"2021-{worker + 1:02d}-{day + 1:02d}"}]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = UpsertCSVDataset(
        filepath=filepath, key="run_date", credentials=_options(s3_server)
    ).load()
    assert len(history) == 24 and history["run_date"].is_unique


def test_history_loads_while_another_run_replaces_it(s3_server, monkeypatch):
    """A load is one request: an upsert landing while it reads cannot make it fail.

    (Read through a file handle, the object's size and ETag come first and the
    body after, with ``If-Match``: a replacement in between answered 412.)
    """
    filepath = f"s3://{s3_server.bucket}/race-{uuid.uuid4().hex[:8]}/monitoring_history.csv"
    history = UpsertCSVDataset(filepath=filepath, key="run_date", credentials=_options(s3_server))
    history.save(pd.DataFrame([{"run_date": "2021-03-01"}]))
    fs, key = history._fs, filepath.removeprefix(f"s3://{s3_server.bucket}/")
    info = fs._info

    async def info_then_replaced(*args, **kwargs):
        found = await info(*args, **kwargs)
        s3_server.client().put_object(  # another host's upsert, between size and body
            Bucket=s3_server.bucket, Key=key, Body=b"run_date\n2021-03-01\n2021-03-02\n"
        )
        return found

    monkeypatch.setattr(fs, "_info", info_then_replaced)
    assert list(history.load()["run_date"]) in (["2021-03-01"], ["2021-03-01", "2021-03-02"])
