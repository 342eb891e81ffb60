"""The column-wise CSV writer gives pandas' ``to_csv`` bytes, or declines."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from user_score.datasets.fast_csv import csv_chunks


def rendered(frame: pd.DataFrame, chunk_rows: int = 3) -> str:
    chunks = csv_chunks(frame, {"index": False}, chunk_rows=chunk_rows)
    assert chunks is not None
    return "".join(chunks)


FLOATS = [0.0, -0.0, 1.0, 10.0, 0.1, 1 / 3, 7.0000001, 1e-4, 9.99e-5, 1e-7, 123456789.123]
FLOATS += [1e16, 9.999999999999998e15, 2.5e20, -3.5, np.nan, np.inf, -np.inf, 5e-324]


def test_floats_text_and_flags_as_pandas_writes_them():
    rng = np.random.default_rng(0)
    values = np.concatenate([FLOATS, rng.random(2000) * 10, rng.normal(0, 1e6, 500)])
    values = np.concatenate([values, 10.0 ** rng.uniform(-12, 22, 2000)])
    n = len(values)
    frame = pd.DataFrame(
        {
            "score": values,
            "id": pd.Series([f"b{i}" if i % 7 else None for i in range(n)], dtype=str),
            "count": np.arange(n, dtype="int64") - 5,
            "flag": np.arange(n) % 3 == 0,
            "text": pd.Series(
                ["a,b", 'say "hi"', "line\nbreak", "cr\r", "", " pad ", "ü", None] * (n // 8)
                + ["x"] * (n % 8),
                dtype=object,
            ),
        }
    )
    assert rendered(frame, chunk_rows=333) == frame.to_csv(index=False)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=True, allow_infinity=True),
            st.one_of(st.none(), st.text(max_size=12)),
        ),
        min_size=0,
        max_size=20,
    )
)
def test_any_floats_and_text(rows):
    frame = pd.DataFrame(
        {
            "value": pd.Series([value for value, _ in rows], dtype="float64"),
            "text": pd.Series([text for _, text in rows], dtype=str),
        }
    )
    assert rendered(frame) == frame.to_csv(index=False)


def test_columns_concatenated_from_several_frames():
    parts = [
        pd.DataFrame({"a": pd.Series([f"x{i}", None], dtype=str), "b": [i, 2.5]}) for i in range(3)
    ]
    frame = pd.concat(parts, ignore_index=True)  # its text column holds several Arrow chunks
    assert rendered(frame, chunk_rows=4) == frame.to_csv(index=False)


def test_what_it_cannot_render_exactly_goes_to_pandas():
    frame = pd.DataFrame({"a": [1.5], "b": ["x"]})
    assert csv_chunks(frame, {}) is None  # the index would be written
    assert csv_chunks(frame, {"index": False, "sep": ";"}) is None
    assert csv_chunks(frame[["a"]], {"index": False}) is None  # one column: pandas quotes ""
    assert csv_chunks(frame.astype({"a": "float32"}), {"index": False}) is None
    assert csv_chunks(pd.DataFrame({"a": [1], "b": [[1, 2]]}), {"index": False}) is None
