"""Atomic outputs: a failure or a kill during a save never leaves a truncated file.

Faults are injected at the file level ("disk full after N bytes", the write
fails half-way) and at the data level (the serialiser raises after it has
written part of the output). After each, the previous complete output must be
intact (byte for byte), or absent if there was none, and no temporary file
may remain.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
import plotly.graph_objects as go
import pytest
from fsspec.implementations.local import LocalFileSystem
from kedro.io import Version
from kedro_datasets.pickle import PickleDataset as KedroPickleDataset
from kedro_datasets.plotly import HTMLDataset as KedroHTMLDataset

from user_score.datasets import ModelArtifactDataset
from user_score.datasets.json import JSONDataset
from user_score.datasets.pandas import CSVDataset, ParquetDataset
from user_score.datasets.partitions import PartitionedDataset
from user_score.datasets.plotly import JSONDataset as PlotlyJSONDataset
from user_score.datasets.text import TextDataset
from user_score.reliability.atomic import AtomicLocalFile, AtomicLocalFileSystem, is_temp_file
from user_score.reliability.atomic_writes import AtomicWrites


# Types the catalog does not use, made atomic the way user_score.datasets does it.
class PickleDataset(AtomicWrites, KedroPickleDataset):
    pass


class HTMLDataset(AtomicWrites, KedroHTMLDataset):
    pass


def _frame(rows: int = 2_000, tag: str = "v1") -> pd.DataFrame:
    return pd.DataFrame({"id": range(rows), "tag": tag, "x": [i / 7 for i in range(rows)]})


def _figure(tag: str) -> go.Figure:
    return go.Figure(go.Scatter(x=list(range(500)), y=list(range(500)), name=tag))


# name -> (make dataset in folder, data v1, data v2). v2 is big enough to need several writes.
CASES: dict[str, tuple[Callable[[Path], Any], Any, Any]] = {
    "pandas CSV": (lambda d: CSVDataset(filepath=str(d / "t.csv")), _frame(), _frame(50_000, "v2")),
    "pandas Parquet": (
        lambda d: ParquetDataset(filepath=str(d / "t.parquet")),
        _frame(),
        _frame(50_000, "v2"),
    ),
    "JSON": (
        lambda d: JSONDataset(filepath=str(d / "s.json")),
        {"v": 1},
        {"v": 2, "rows": list(range(50_000))},
    ),
    "text": (
        lambda d: TextDataset(filepath=str(d / "card.md")),
        "# v1\n",
        "# v2\n" + "x" * 200_000,
    ),
    "pickle": (
        lambda d: PickleDataset(filepath=str(d / "m.pkl")),
        {"v": 1},
        {"v": 2, "blob": list(range(50_000))},
    ),
    "pickle, versioned": (
        lambda d: PickleDataset(filepath=str(d / "m.pkl"), version=Version(None, None)),
        {"v": 1},
        {"v": 2, "blob": list(range(50_000))},
    ),
    "model artifact, versioned": (
        lambda d: ModelArtifactDataset(filepath=str(d / "model.pkl"), version=Version(None, None)),
        {"v": 1},
        {"v": 2, "blob": list(range(50_000))},
    ),
    "plotly JSON": (
        lambda d: PlotlyJSONDataset(filepath=str(d / "chart.json")),
        _figure("v1"),
        _figure("v2"),
    ),
    "plotly HTML": (
        lambda d: HTMLDataset(filepath=str(d / "report.html")),
        _figure("v1"),
        _figure("v2"),
    ),
    "partitioned CSV": (
        lambda d: PartitionedDataset(
            path=str(d / "parts"),
            dataset="user_score.datasets.pandas.CSVDataset",
            filename_suffix=".csv",
        ),
        {"a": _frame(tag="a1"), "b": _frame(tag="b1")},
        {"a": _frame(50_000, "a2"), "b": _frame(50_000, "b2")},
    ),
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _temp_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if is_temp_file(path)]


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, dict) and left and all(callable(v) for v in left.values()):
        left = {key: load() for key, load in left.items()}  # partitions load lazily
    if isinstance(left, pd.DataFrame):
        return left.reset_index(drop=True).equals(right.reset_index(drop=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(left[k], right[k]) for k in left)
    if isinstance(left, go.Figure):
        return left.to_dict() == right.to_dict()
    return left == right


@pytest.fixture
def disk_full_after(monkeypatch) -> Callable[[int], None]:
    """Make every atomic write fail with ENOSPC once ``limit`` bytes were written."""

    def arm(limit: int) -> None:
        written = {"bytes": 0}
        real_write = AtomicLocalFile.write

        def write(self: AtomicLocalFile, data: Any) -> int:
            if written["bytes"] + len(data) > limit:
                room = max(limit - written["bytes"], 0)
                real_write(self, bytes(data[:room]))
                written["bytes"] = limit
                raise OSError(errno.ENOSPC, "No space left on device (injected)")
            written["bytes"] += len(data)
            return real_write(self, data)

        monkeypatch.setattr(AtomicLocalFile, "write", write)

    return arm


@pytest.mark.parametrize("case", list(CASES))
def test_a_save_failing_half_way_keeps_the_previous_output(case, tmp_path, disk_full_after):
    make, first, second = CASES[case]
    make(tmp_path).save(first)
    before = _snapshot(tmp_path)
    assert before, "the first save wrote nothing"

    disk_full_after(4_096)  # the second save dies after 4 KiB
    with pytest.raises(Exception) as caught:
        make(tmp_path).save(second)
    assert "No space left" in repr(caught.value) or "No space left" in repr(caught.value.__cause__)

    after = _snapshot(tmp_path)
    # Every complete file of the first save is unchanged; nothing partial was added
    # (a versioned save may leave the new version's checksum sidecar, never a model).
    assert {name: after[name] for name in before} == before
    new_files = set(after) - set(before)
    assert all(name.endswith(".sha256") for name in new_files), new_files
    assert _temp_files(tmp_path) == []
    if case == "plotly HTML":  # write-only dataset: the file is the v1 report
        assert '"name":"v1"' in (tmp_path / "report.html").read_text()
    else:
        assert _equal(make(tmp_path).load(), first)


@pytest.mark.parametrize("case", list(CASES))
def test_a_first_save_failing_half_way_leaves_nothing_loadable(case, tmp_path, disk_full_after):
    make, _, second = CASES[case]
    disk_full_after(4_096)
    with pytest.raises(Exception, match=r"(?s).*"):
        make(tmp_path).save(second)
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".sha256")]
    assert leftovers == []
    assert _temp_files(tmp_path) == []


def test_a_serialiser_raising_mid_stream_keeps_the_previous_json_and_pickle(tmp_path):
    class Unserialisable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle this (injected)")

    json_ds = JSONDataset(filepath=str(tmp_path / "summary.json"))
    pickle_ds = PickleDataset(filepath=str(tmp_path / "model.pkl"))
    json_ds.save({"rows_in": 3})
    pickle_ds.save({"v": 1})
    before = _snapshot(tmp_path)

    # json.dump and pickle.dump stream: both write a large prefix before failing.
    with pytest.raises(Exception, match="not JSON serializable"):
        json_ds.save({"rows": list(range(100_000)), "bad": object()})
    with pytest.raises(Exception, match="injected"):
        pickle_ds.save([list(range(100_000)), Unserialisable()])

    assert _snapshot(tmp_path) == before
    assert json_ds.load() == {"rows_in": 3}
    assert pickle_ds.load() == {"v": 1}


def test_an_unclosed_handle_is_discarded_not_published(tmp_path):
    fs = AtomicLocalFileSystem()
    target = tmp_path / "out.txt"
    target.write_text("previous")
    handle = fs.open(str(target), "w")
    handle.write("half of a new fi")
    del handle  # garbage-collected without close(): an aborted write
    assert target.read_text() == "previous"
    assert _temp_files(tmp_path) == []


def test_temp_files_of_dead_writers_are_removed_by_the_next_write(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(dead.stdout)
    litter = tmp_path / f".t.csv.tmp-{pid}-abc123.partial"
    alive = tmp_path / f".t.csv.tmp-{os.getpid()}-def456.partial"  # a live writer's file
    litter.write_text("half a file")
    alive.write_text("being written")
    CSVDataset(filepath=str(tmp_path / "t.csv")).save(_frame(10))
    assert not litter.exists()
    assert alive.exists()


def test_other_modes_keep_fsspec_behaviour(tmp_path):
    fs = AtomicLocalFileSystem()
    path = tmp_path / "log.txt"
    with fs.open(str(path), "w") as handle:
        handle.write("a")
    with fs.open(str(path), "a") as handle:  # append is not replaced by a rename
        handle.write("b")
    with fs.open(str(path), "r") as handle:
        assert handle.read() == "ab"


def test_a_kedro_run_writes_atomically_without_patching_fsspec(
    project_copy, kedro_run, monkeypatch
):
    """End to end: a real run whose parquet write fails half-way keeps the previous outputs.

    The atomic writes belong to the project's datasets only: after the run, fsspec's
    ``file`` protocol is still fsspec's own (notebooks and kedro-viz share the process).
    """
    kedro_run(project_copy, pipeline_name="data_engineering")
    assert fsspec.get_filesystem_class("file") is LocalFileSystem
    assert type(fsspec.filesystem("file")) is LocalFileSystem
    data = project_copy / "data"
    before = _snapshot(data)

    real_write = AtomicLocalFile.write

    def failing_write(self: AtomicLocalFile, payload: Any) -> int:
        if self.target.endswith("model_input_table.parquet"):
            real_write(self, bytes(payload[: len(payload) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device (injected)")
        return real_write(self, payload)

    monkeypatch.setattr(AtomicLocalFile, "write", failing_write)
    with pytest.raises(Exception, match="No space left"):
        kedro_run(project_copy, pipeline_name="data_engineering")
    after = _snapshot(data)
    table = "05_model_input/model_input_table.parquet"
    assert after[table] == before[table]
    assert _temp_files(data) == []
    pd.read_parquet(data / table)  # still a complete, readable file


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from user_score.datasets.pandas import CSVDataset

    frame = pd.DataFrame({"id": range(400_000), "text": "x" * 40})
    dataset = CSVDataset(filepath=sys.argv[1], save_args={"index": False})
    while True:  # keep rewriting until killed
        dataset.save(frame)
    """
)


def test_sigkill_mid_write_leaves_a_complete_file_or_none(tmp_path):
    target = tmp_path / "out" / "predictions.csv"
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)])
    try:
        deadline = time.monotonic() + 60
        # Kill while a temporary file exists and has content: the write is in progress.
        while time.monotonic() < deadline:
            temps = _temp_files(tmp_path)
            if target.exists() and any(t.exists() and t.stat().st_size > 100_000 for t in temps):
                break
            time.sleep(0.01)
        else:
            pytest.fail("the writer never got mid-write")
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    frame = pd.read_csv(target)
    assert len(frame) == 400_000  # the previous complete version, not a truncated one
    assert frame["id"].iloc[-1] == 399_999
    litter = _temp_files(tmp_path)
    assert litter, "the kill should have interrupted a write"
    # The next write cleans up what the killed writer left.
    CSVDataset(filepath=str(target)).save(_frame(5))
    assert _temp_files(tmp_path) == []


def test_summary_json_written_by_a_run_is_valid_json(project_copy, kedro_run):
    kedro_run(project_copy, pipeline_name="data_engineering")
    summary = project_copy / "data/08_reporting/data_engineering_summary.json"
    assert json.loads(summary.read_text())["invariant_holds"] is True


def test_every_partitioned_dataset_filters_by_suffix(project_root):
    """A killed write's hidden ``.partial`` file must never be listed as a partition."""
    import yaml

    unfiltered = []
    for path in sorted((project_root / "conf" / "base").glob("catalog_*.yml")):
        for name, entry in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(entry, dict) and "PartitionedDataset" in str(entry.get("type", "")):
                suffix = entry.get("filename_suffix", "")
                if not suffix or suffix.endswith(".partial"):
                    unfiltered.append(name)
    assert unfiltered == []
