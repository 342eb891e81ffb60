"""FieldCountCSVDataset: rows read as pandas reads them, each marked when its field count is off."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kedro.io.core import DatasetError

from user_score.datasets import FIELD_COUNT_ERROR, FieldCountCSVDataset

LOAD_ARGS = {"dtype": str, "keep_default_na": False, "na_values": [""]}


def load(tmp_path: Path, content: bytes, **load_args) -> pd.DataFrame:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    return FieldCountCSVDataset(filepath=str(path), load_args={**LOAD_ARGS, **load_args}).load()


def problems(frame: pd.DataFrame) -> list:
    return [None if pd.isna(value) else value for value in frame[FIELD_COUNT_ERROR]]


def test_rows_are_read_like_pandas_and_only_the_odd_ones_are_marked(tmp_path):
    content = b'a,b,c\r\n1,"x, y",3\r\n\r\n4,5\r\n"multi\nline",,\r\n7,8,9,10,11\r\n'
    frame = load(tmp_path, content)
    assert list(frame.columns) == ["a", "b", "c", FIELD_COUNT_ERROR]
    assert frame["a"].tolist() == ["1", "4", "multi\nline", "7"]  # the blank line is no row
    assert frame["b"].tolist()[:2] == ["x, y", "5"]
    assert pd.isna(frame.loc[2, "b"])  # an empty field is missing, a present one is not
    assert problems(frame) == [
        None,
        "2 fields, header has 3",
        None,
        "5 fields, header has 3; surplus: 10, 11",
    ]


def test_every_row_one_field_longer_keeps_its_columns(tmp_path):
    frame = load(tmp_path, b"a,b\n1,2,x\n3,4,y\n")
    assert frame["a"].tolist() == ["1", "3"]  # plain pandas would make `a` the index
    assert problems(frame) == [
        "3 fields, header has 2; surplus: x",
        "3 fields, header has 2; surplus: y",
    ]


def test_header_only_blank_lines_before_the_header_and_a_bom(tmp_path):
    assert load(tmp_path, b"a,b\n").empty
    frame = load(tmp_path, b"\xef\xbb\xbf\n\na,b\n1,2\n", encoding="utf-8-sig")
    assert frame[["a", "b"]].values.tolist() == [["1", "2"]] and problems(frame) == [None]


def test_pandas_errors_are_kept(tmp_path):
    with pytest.raises(DatasetError, match="No columns to parse"):
        load(tmp_path, b"")
    with pytest.raises(DatasetError, match="EOF inside string"):
        load(tmp_path, b'a,b\n1,2\n"open,3\n')
    with pytest.raises(DatasetError, match="codec can't decode"):
        load(tmp_path, b"a,b\n\xe9,1\n")


def test_parsing_options_it_cannot_count_are_refused():
    with pytest.raises(DatasetError, match="skiprows"):
        FieldCountCSVDataset(filepath="x.csv", load_args={"skiprows": 2})


def test_a_preview_reads_only_the_first_rows(tmp_path):
    """kedro-viz previews call preview(nrows); CSVDataset's own preview passed ``nrows`` to a
    load that does not take it, so raw_games and batch_input had no preview."""
    path = tmp_path / "file.csv"
    path.write_bytes(b"a,b\n1,2\n3\n4,5\n6,7\n")
    preview = FieldCountCSVDataset(filepath=str(path), load_args=LOAD_ARGS).preview(nrows=2)
    assert preview["columns"] == ["a", "b"]
    assert [row[0] for row in preview["data"]] == ["1", "3"]


# ---------------------------------------------------------------------------
# engine: pyarrow (the default) reads every file exactly as engine: pandas does
# ---------------------------------------------------------------------------

HOSTILE = [
    b'a,b,c\r\n1,"x, y",3\r\n\r\n4,5\r\n"multi\nline",,\r\n7,8,9,10,11\r\n',
    b"a,b\n1,2,x\n3,4,y\n",
    b"\xef\xbb\xbf\n\na,b\n1,2\n",
    b'a,b\n1,2\n"open,3\n',
    b'a,b\n1,"x""y"\n"q"r,s\nt"u,v\n',
    b"a,b\n   \n,\n,,\n\n\n1,2",
    b"a,a,b\n1,2,3\n4,5\n",
    b'a,b\nNA,null\n"",x\n',
    b"a,b\r1,2\r3\r",
    b'a,b\n1,"2\r\n3"\n',
    b"a,b\n\xc3\xa9,\xe2\x80\x93\n",
]


def load_with(tmp_path: Path, content: bytes, engine: str, **load_args):
    path = tmp_path / f"{engine}.csv"
    path.write_bytes(content)
    dataset = FieldCountCSVDataset(
        filepath=str(path), load_args={**LOAD_ARGS, **load_args}, engine=engine
    )
    try:
        return dataset.load()
    except Exception as error:  # the same failure, named the same way
        return type(error).__name__, str(error).split("\n")[0].replace(str(path), "<file>")


def assert_same_load(tmp_path: Path, content: bytes, **load_args):
    arrow = load_with(tmp_path, content, "pyarrow", **load_args)
    pandas = load_with(tmp_path, content, "pandas", **load_args)
    assert type(arrow) is type(pandas)
    if isinstance(pandas, pd.DataFrame):
        pd.testing.assert_frame_equal(arrow, pandas)
    else:
        assert arrow == pandas


@pytest.mark.parametrize("content", HOSTILE)
def test_the_pyarrow_engine_reads_as_the_pandas_engine(tmp_path, content):
    assert_same_load(tmp_path, content, encoding="utf-8-sig")  # batch_input's
    if not content.startswith(b"\xef\xbb\xbf"):
        # (with plain utf-8, the pandas engine's count takes a BOM for a field)
        assert_same_load(tmp_path, content)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=["a", "b", ",", '"', "\n", "\r", " ", "é", "1"], max_size=40))
def test_the_engines_agree_on_any_text(tmp_path, body):
    assert_same_load(tmp_path, ("h1,h2,h3\n" + body).encode("utf-8"))
