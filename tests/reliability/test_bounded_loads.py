"""Loads of the project's pandas datasets off the local disk read through the dataset's own
file system (``BoundedLoads``: on S3 the project's, whose retries ``s3_fs_args`` bounds),
except compressed files, which pandas decompresses by their name. The stalled-server case:
tests/s3/test_storage_faults.py."""

from __future__ import annotations

import gzip
import io
import uuid
from collections.abc import Iterator
from typing import Any

import fsspec
import pandas as pd
import pytest

from user_score.datasets.pandas import CSVDataset, ParquetDataset

FRAME = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})


@pytest.fixture
def memory() -> Iterator[tuple[Any, str]]:
    fs = fsspec.filesystem("memory")
    root = f"/bounded-{uuid.uuid4().hex[:8]}"
    yield fs, root
    fs.rm(root, recursive=True)


def _opened_paths(dataset: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths the dataset's own file system is asked to open from now on."""
    opened: list[str] = []
    real_open = dataset._fs.open

    def spying_open(path: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(dataset._fs, "open", spying_open)
    return opened


@pytest.mark.parametrize("dataset_type", [CSVDataset, ParquetDataset])
def test_a_load_reads_through_the_datasets_own_file_system(memory, monkeypatch, dataset_type):
    fs, root = memory
    name = "t.csv" if dataset_type is CSVDataset else "t.parquet"
    body = FRAME.to_csv(index=False).encode() if name == "t.csv" else FRAME.to_parquet()
    fs.pipe(f"{root}/{name}", body)
    dataset = dataset_type(filepath=f"memory://{root}/{name}")
    opened = _opened_paths(dataset, monkeypatch)

    def from_a_url(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a file system built from the URL (s3fs's own retries on S3)")

    monkeypatch.setattr(fsspec, "open", from_a_url)  # pandas' way to CSV URLs
    monkeypatch.setattr(fsspec.core, "url_to_fs", from_a_url)  # ... and to Parquet URLs
    pd.testing.assert_frame_equal(dataset.load(), FRAME)
    assert opened == [f"{root}/{name}"]


def test_a_compressed_csv_is_read_by_its_name_as_pandas_does(memory):
    fs, root = memory
    fs.pipe(f"{root}/t.csv.gz", gzip.compress(FRAME.to_csv(index=False).encode()))
    dataset = CSVDataset(filepath=f"memory://{root}/t.csv.gz")
    pd.testing.assert_frame_equal(dataset.load(), FRAME)
    explicit = CSVDataset(filepath=f"memory://{root}/t.csv.gz", load_args={"compression": "gzip"})
    pd.testing.assert_frame_equal(explicit.load(), FRAME)
    assert pd.read_csv(io.BytesIO(fs.cat(f"{root}/t.csv.gz")), compression="gzip").equals(FRAME)
