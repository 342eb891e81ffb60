"""PreviewParquetDataset: kedro-viz previews of tables with list and date columns."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from kedro_datasets.pandas import ParquetDataset

from user_score.datasets.preview import PreviewParquetDataset


def _table(path: Path) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "game_id": ["a", "b", "c"],
            "genres": [["Action", "2D"], [], ["Puzzle"]],
            "release_date": pd.to_datetime(["2021-02-12", None, "2019-01-01"]),
            "meta_score": [81.0, np.nan, 70.0],
            "n_genres": np.array([2, 0, 1], dtype="int64"),
        }
    )
    PreviewParquetDataset(filepath=str(path)).save(frame)
    return frame


def test_preview_is_json_with_lists_dates_and_missing_values(tmp_path):
    _table(tmp_path / "t.parquet")
    preview = PreviewParquetDataset(filepath=str(tmp_path / "t.parquet")).preview(nrows=2)

    assert preview["columns"] == ["game_id", "genres", "release_date", "meta_score", "n_genres"]
    assert preview["data"] == [
        ["a", "Action, 2D", "2021-02-12T00:00:00", 81.0, 2],
        ["b", "", None, None, 0],
    ]
    json.dumps(preview, allow_nan=False)  # what kedro-viz must be able to serialise


def test_plain_parquet_preview_is_not_serialisable_which_is_why_the_subclass_exists(tmp_path):
    _table(tmp_path / "t.parquet")
    cells = ParquetDataset(filepath=str(tmp_path / "t.parquet")).preview(nrows=1)["data"][0]
    assert isinstance(cells[1], np.ndarray)


def test_load_and_save_are_unchanged(tmp_path):
    frame = _table(tmp_path / "t.parquet")
    loaded = PreviewParquetDataset(filepath=str(tmp_path / "t.parquet")).load()
    pd.testing.assert_frame_equal(
        loaded.assign(genres=loaded["genres"].map(list)), frame, check_dtype=False
    )
