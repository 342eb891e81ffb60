"""Every request of the project's S3 file system ends within the configured timeouts.

A server that accepts connections and never answers (``StallingProxy``) is the
hard case: aiohttp waits for a ``100 Continue`` answer with no timeout at all,
so an upload with ``Expect: 100-continue`` would hang forever. The project's
file system sends bodies at once, so reads, plain and conditional writes and
dataset saves and loads all fail after ``attempts x read_timeout`` with an
error that ``storage_error`` names. Whole runs: test_multi_host.py.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pandas as pd
import pytest

from tests.s3.faults import StallingProxy
from tools.local_s3 import LocalS3
from user_score.datasets import FieldCountCSVDataset
from user_score.datasets.pandas import CSVDataset, ParquetDataset
from user_score.reliability import conditional
from user_score.reliability.atomic_s3 import AtomicS3FileSystem
from user_score.reliability.storage import storage_error

pytestmark = pytest.mark.s3

TIMEOUTS = {
    "connect_timeout": 1,
    "read_timeout": 1,
    "retries": {"mode": "standard", "total_max_attempts": 2},
}
#: attempts x (read timeout) plus botocore's backoff, with room for a loaded machine.
BOUND_S = 8


@pytest.fixture
def stalled(s3_server: LocalS3) -> Iterator[dict]:
    proxy = StallingProxy(s3_server.endpoint_url)
    options = {
        "key": s3_server.access_key,
        "secret": s3_server.secret_key,
        "client_kwargs": {"endpoint_url": proxy.endpoint_url, "region_name": s3_server.region},
        "config_kwargs": TIMEOUTS,
        "skip_instance_cache": True,
    }
    prefix = f"{s3_server.bucket}/faults-{uuid.uuid4().hex[:8]}"
    fs = AtomicS3FileSystem(**options)
    conditional.put_object(fs, f"{prefix}/table.csv", b"a\n1\n")  # before the stall
    parquet = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_parquet(parquet)
    conditional.put_object(fs, f"{prefix}/table.parquet", parquet.getvalue())
    proxy.stall()
    # a dataset's credentials: the same options, fsspec's instance cache left to the dataset
    dataset_options = {k: v for k, v in options.items() if k != "skip_instance_cache"}
    yield {"fs": fs, "credentials": dataset_options, "prefix": prefix, "proxy": proxy}
    proxy.close()


def _fails_in_time(call: Callable[[], object]) -> BaseException:
    """Run ``call`` in a thread: it must raise within BOUND_S (a hang fails, not blocks)."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND_S)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"still waiting after {elapsed:.1f} s: no timeout applies"
    assert "error" in outcome, f"succeeded against a stalled server: {outcome}"
    return outcome["error"]  # type: ignore[return-value]


def test_reads_and_writes_to_a_stalled_server_end_within_the_timeouts(stalled):
    fs, path = stalled["fs"], f"{stalled['prefix']}/table.csv"
    for call in (
        lambda: conditional.get_object(fs, path),
        lambda: conditional.put_object(fs, path, b"b\n"),
        lambda: conditional.put_object(fs, path, b"b\n", if_match='"an-etag"'),
        lambda: conditional.put_object(fs, path + ".lease", b"{}", if_absent=True),
    ):
        error = _fails_in_time(call)
        described = storage_error(error, f"s3://{path}", operation="testing", fs=fs)
        assert described is not None, repr(error)
        assert "S3 endpoint not answering while testing" in str(described)
        assert stalled["proxy"].endpoint_url in str(described)


def test_a_dataset_save_to_a_stalled_server_ends_within_the_timeouts(stalled):
    path = f"s3://{stalled['prefix']}/new.csv"
    dataset = CSVDataset(filepath=path, credentials=stalled["credentials"])
    _fails_in_time(lambda: dataset.save(pd.DataFrame({"a": range(10)})))
    stalled["proxy"].resume()
    assert not stalled["fs"].exists(f"{stalled['prefix']}/new.csv")  # nothing half-published


@pytest.mark.parametrize(
    ("dataset_type", "name"),
    [
        (CSVDataset, "table.csv"),
        (FieldCountCSVDataset, "table.csv"),
        (ParquetDataset, "table.parquet"),
    ],
)
def test_a_dataset_load_from_a_stalled_server_ends_within_the_timeouts(stalled, dataset_type, name):
    """Loads go through the dataset's own file system: botocore's attempts, no s3fs retries.

    (Handed an ``s3://`` URL, pandas would build a plain s3fs, whose five retries
    of its own held such a load ~14 s with these timeouts.)
    """
    path = f"s3://{stalled['prefix']}/{name}"
    dataset = dataset_type(filepath=path, credentials=stalled["credentials"])
    error = _fails_in_time(dataset.load)
    described = storage_error(error, path, operation="loading", fs=stalled["fs"])
    assert described is not None, repr(error)
    assert "S3 endpoint not answering while loading" in str(described)
    stalled["proxy"].resume()
    reread = dataset_type(filepath=path, credentials=stalled["credentials"]).load()
    assert len(reread) == 1  # and reads when the store answers again
