"""Read-modify-write without lost updates, on local files (S3: tests/s3/test_leases.py).

``monitoring_history`` is an :class:`UpsertCSVDataset`: each monitoring run
saves its own row. Two runs saving at the same time must both keep their rows.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from kedro.io import Version
from kedro.io.core import DatasetError

from user_score.datasets.pandas import UpsertCSVDataset
from user_score.reliability.atomic import AtomicLocalFileSystem, is_temp_file
from user_score.reliability.conditional import update_object


def _history(path) -> UpsertCSVDataset:
    return UpsertCSVDataset(filepath=str(path), key="run_date", save_args={"index": False})


def _row(day: str, **values) -> pd.DataFrame:
    return pd.DataFrame([{"run_date": day, "status": "GREEN", "mae": 0.5, **values}])


def test_concurrent_upserts_of_different_keys_all_survive(tmp_path):
    """Eight writers at once, five rows each: without the folder lock rows get lost."""
    path = tmp_path / "monitoring_history.csv"
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for day in range(5):
                _history(path).save(_row(f"2021-{worker + 1:02d}-{day + 1:02d}", worker=worker))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = _history(path).load()
    assert len(history) == 40
    assert history["run_date"].is_monotonic_increasing and history["run_date"].is_unique
    assert not [p for p in tmp_path.iterdir() if is_temp_file(p)]


def test_an_upsert_replaces_its_key_and_keeps_stored_cells_as_written(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("run_date,status,mae,code\n2021-03-02,AMBER,0.70,007\n", encoding="utf-8")
    history = _history(path)
    history.save(_row("2021-03-01", code="x"))
    history.save(_row("2021-03-03"))
    history.save(_row("2021-03-03", status="RED"))  # a rerun replaces its own row
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[0] == "run_date,status,mae,code"
    assert text[1:] == [
        "2021-03-01,GREEN,0.5,x",
        "2021-03-02,AMBER,0.70,007",  # another run's row: byte for byte (not 0.7, not 7)
        "2021-03-03,RED,0.5,",
    ]


def test_an_upsert_dataset_refuses_rows_without_the_key_and_versioning(tmp_path):
    with pytest.raises(DatasetError, match="key column"):
        _history(tmp_path / "h.csv").save(pd.DataFrame({"status": ["GREEN"]}))
    assert not (tmp_path / "h.csv").exists()
    with pytest.raises(DatasetError, match="cannot be versioned"):
        UpsertCSVDataset(filepath=str(tmp_path / "v.csv"), key="k", version=Version(None, None))


def test_a_failing_change_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"before")

    def change(current: bytes | None) -> bytes:
        raise RuntimeError("the new content could not be computed")

    with pytest.raises(RuntimeError, match="could not be computed"):
        update_object(AtomicLocalFileSystem(), str(path), change)
    assert path.read_bytes() == b"before"
