"""pandas' ``to_csv`` text, rendered column-wise with pyarrow (several times faster).

``DataFrame.to_csv`` formats every float with a Python-level call: writing a
million predictions took ~5 s. :func:`csv_chunks` renders the same bytes
column by column with Arrow kernels: floats in numpy's ``str`` form (shortest
round-trip digits, ``1.0``, ``1e-07``), text quoted as Python's ``csv`` module
does (``QUOTE_MINIMAL``: a field holding ``,``, ``"`` or LF is quoted,
quotes doubled; a field with a CR is left to the ``csv`` module, whose rule for
it changed between Python versions), missing values empty. Frames it cannot render exactly (other
dtypes, one column, other ``to_csv`` options) return ``None`` and the caller
uses pandas. ``tests/test_fast_csv.py`` compares it with ``to_csv`` byte for byte.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Rows rendered at a time (bounds the text held in memory).
CHUNK_ROWS = 50_000
#: numpy writes a float without an exponent when it is 0 or within these bounds.
_PLAIN_LOW, _PLAIN_HIGH = 1e-4, 1e16
_NEEDS_QUOTES = '[,"\n]'
_EMPTY = pa.scalar("", pa.large_string())
_QUOTE = pa.scalar('"', pa.large_string())
_POINT_ZERO = pa.scalar(".0", pa.large_string())
_COMMA = pa.scalar(",", pa.large_string())
_NEWLINE = pa.scalar("\n", pa.large_string())


def csv_chunks(
    frame: pd.DataFrame, save_args: dict[str, Any], chunk_rows: int = CHUNK_ROWS
) -> Iterator[str] | None:
    """``frame.to_csv(**save_args)`` as consecutive text chunks, or None if not supported."""
    if set(save_args) - {"index"} or save_args.get("index", True) is not False:
        return None
    if frame.shape[1] < 2 or not all(isinstance(name, str) for name in frame.columns):
        return None
    if not frame.columns.is_unique or not all(_supported(frame[c]) for c in frame.columns):
        return None
    return _chunks(frame, chunk_rows)


def _supported(series: pd.Series) -> bool:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) and dtype == np.dtype(bool):
        return True
    if dtype in (np.dtype("float64"), np.dtype("int64")):
        return True
    if isinstance(dtype, pd.StringDtype):
        return True
    return dtype is np.dtype(object) and pd.api.types.infer_dtype(series, skipna=True) in (
        "string",
        "empty",
    )


def _chunks(frame: pd.DataFrame, chunk_rows: int) -> Iterator[str]:
    header = pa.array([str(name) for name in frame.columns], pa.large_string())
    yield ",".join(_quoted(header).to_pylist()) + "\n"
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start : start + chunk_rows]
        fields = [_render(part[column]) for column in part.columns]
        rows = pc.binary_join_element_wise(*fields, pa.scalar(",", pa.large_string()))
        ends = pa.array(np.full(len(rows), "", dtype=object), pa.large_string())
        lines = pc.binary_join_element_wise(rows, ends, pa.scalar("\n", pa.large_string())).cast(
            pa.large_string()
        )
        _, offsets, data = lines.buffers()
        bounds = np.frombuffer(offsets, dtype=np.int64)[
            lines.offset : lines.offset + len(lines) + 1
        ]
        yield str(memoryview(data)[int(bounds[0]) : int(bounds[-1])], "utf-8")


def _quoted(text: pa.Array) -> pa.Array:
    """``QUOTE_MINIMAL``: a field with a comma, quote or LF in quotes, its quotes doubled."""
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    quoted = text
    if pc.any(needs).as_py():
        doubled = pc.replace_substring(text, '"', '""')
        wrapped = pc.binary_join_element_wise(_QUOTE, doubled, _QUOTE, _EMPTY)
        quoted = pc.if_else(needs, wrapped, text)
    carriage = pc.match_substring(text, "\r").to_numpy(zero_copy_only=False)
    if not carriage.any():
        return quoted
    out = quoted.to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(carriage):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow([text[i].as_py()])
        out[i] = buffer.getvalue()[:-1]
    return pa.array(out, pa.large_string())


def _render(series: pd.Series) -> pa.Array:
    """The CSV fields of one column (missing: empty)."""
    dtype = series.dtype
    if dtype == np.dtype(bool):
        return pa.array(np.where(series.to_numpy(), "True", "False"), pa.large_string())
    if dtype == np.dtype("int64"):
        return pc.cast(pa.array(series.to_numpy()), pa.large_string())
    if dtype == np.dtype("float64"):
        return _floats(series.to_numpy())
    text = pa.array(series.astype("string"), pa.large_string())
    if isinstance(text, pa.ChunkedArray):  # a column concatenated from several frames
        text = text.combine_chunks()
    return _quoted(pc.fill_null(text, ""))


def _floats(values: np.ndarray) -> pa.Array:
    """numpy's ``str`` of each float (``1.0``, ``0.1``, ``1e-07``, ``inf``); NaN empty.

    Both write the shortest digits that read back as the same float. Where
    numpy writes them without an exponent and so does Arrow, Arrow's text is
    used (``".0"`` added to an integral value); numpy formats the rest.
    """
    size = np.abs(values)
    positional = (values == 0) | ((size >= _PLAIN_LOW) & (size < _PLAIN_HIGH))
    text = pc.cast(pa.array(np.where(positional, values, 0.0)), pa.large_string())
    arrow = positional & ~pc.match_substring(text, "e").to_numpy(zero_copy_only=False)
    integral = pc.invert(pc.match_substring(text, "."))
    text = pc.if_else(integral, pc.binary_join_element_wise(text, _POINT_ZERO, _EMPTY), text)
    missing = np.isnan(values)
    other = ~arrow & ~missing
    if not other.any():
        return pc.if_else(pa.array(missing), _EMPTY, text)
    out = text.to_numpy(zero_copy_only=False)
    out[other] = values[other].astype(str)
    out[missing] = ""
    return pa.array(out, pa.large_string())
