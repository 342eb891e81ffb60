"""``FieldCountCSVDataset``: a CSV file whose rows may not match its header.

``pandas.read_csv`` pads a row with fewer fields than the header with empty
values and fails the whole file on a row with more (or, when *every* row has
one field more, silently takes the first field as the index and shifts every
value one column to the left). For files that other systems deliver — a
truncated last line, an unquoted comma in a title — both are wrong: a short
row would be scored as if its missing values were empty.

This dataset reads the file as kedro-datasets' ``pandas.CSVDataset`` does and
adds one column, :data:`FIELD_COUNT_ERROR`: null for a row with as many fields
as the header, else what is wrong (``5 fields, header has 8``; for a long row
also the surplus fields). The row contracts turn it into the quarantine reason
``row: field_count`` (:func:`user_score.contracts.checks.field_count_check`),
so the row is kept, with its reason, instead of being scored or failing the day.

How: the fields of every record are counted with Python's ``csv`` module
(C-implemented, about 1.5 s per million rows), then the file is read by
pandas' C parser into as many columns as the longest record, without skipping
blank lines, so that the two parses align record for record (blank lines are
dropped afterwards, as pandas does). Only the options below are honoured by
the count; other parsing options of ``load_args`` are refused.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from kedro.io.core import PROTOCOL_DELIMITER, DatasetError
from kedro_datasets._typing import TablePreview

from .pandas import CSVDataset

#: Column added to every loaded frame: null, or why the row's field count is wrong.
FIELD_COUNT_ERROR = "_field_count_error"
#: ``read_csv`` options this dataset understands (the count must parse like pandas).
SUPPORTED_LOAD_ARGS = frozenset(
    {
        "dtype",
        "encoding",
        "encoding_errors",
        "keep_default_na",
        "na_values",
        "na_filter",
        "sep",
        "delimiter",
        "quotechar",
        "doublequote",
        "escapechar",
    }
)
#: A field may be as long as a whole file (a 1 MB title is a hostile case, not a crash).
_FIELD_SIZE_LIMIT = 2**31 - 1


class FieldCountCSVDataset(CSVDataset):
    """The atomic ``pandas.CSVDataset`` that marks rows whose field count is not the header's.

    Example catalog entry::

        batch_input:
          type: user_score.datasets.FieldCountCSVDataset
          filepath: data/prod/input/dt=2021-03-01/input.csv
          load_args:
            dtype: str
            keep_default_na: false
            na_values: [""]
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        unsupported = sorted(set(self._load_args) - SUPPORTED_LOAD_ARGS)
        if unsupported:
            raise DatasetError(
                f"FieldCountCSVDataset does not support the load_args {unsupported} "
                f"(supported: {sorted(SUPPORTED_LOAD_ARGS)})"
            )

    def _source(self) -> tuple[str, dict[str, Any]]:
        """The path or URL ``pandas.read_csv`` reads, and its extra arguments."""
        load_path = str(self._get_load_path())
        if self._protocol == "file":
            return load_path, {}
        url = f"{self._protocol}{PROTOCOL_DELIMITER}{load_path}"
        return url, {"storage_options": self._storage_options}

    def _field_counts(self) -> np.ndarray:
        """Number of fields of every record of the file (a blank line has 0)."""
        args = self._load_args
        csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
        path = str(self._get_load_path())
        with self._fs.open(
            path,
            mode="r",
            encoding=args.get("encoding", "utf-8"),
            errors=args.get("encoding_errors", "strict"),
            newline="",
        ) as handle:
            reader = csv.reader(
                handle,
                delimiter=args.get("sep", args.get("delimiter", ",")),
                quotechar=args.get("quotechar", '"'),
                doublequote=args.get("doublequote", True),
                escapechar=args.get("escapechar"),
            )
            return np.fromiter((len(record) for record in reader), dtype=np.int64)

    def preview(self, nrows: int = 5) -> TablePreview:
        """The file's first ``nrows`` rows as pandas reads them, for kedro-viz.

        A preview does not count fields over the whole file (a day may have a
        million rows); rows pandas cannot split into the header's columns are
        left out of it.
        """
        source, extra = self._source()
        frame = pd.read_csv(
            source, nrows=nrows, index_col=False, on_bad_lines="skip", **extra, **self._load_args
        )
        return frame.to_dict(orient="split")

    def load(self) -> pd.DataFrame:
        source, extra = self._source()
        # The header as pandas reads it (duplicate names made unique); an empty
        # file fails here with pandas' own "No columns to parse from file".
        header = list(pd.read_csv(source, nrows=0, **extra, **self._load_args).columns)
        counts = self._field_counts()
        header_at = int(np.flatnonzero(counts)[0])  # pandas skips blank lines before it
        if counts[header_at] != len(header):
            raise DatasetError(
                f"{source}: the header has {counts[header_at]} fields but pandas read "
                f"{len(header)} column names"
            )
        width = int(counts.max())
        names = [*header, *(f"{FIELD_COUNT_ERROR}_{i}" for i in range(width - len(header)))]
        frame = pd.read_csv(
            source,
            header=None,
            names=names,
            index_col=False,
            skip_blank_lines=False,
            **extra,
            **self._load_args,
        )
        if len(frame) != len(counts):
            raise DatasetError(
                f"{source}: pandas read {len(frame)} records but the field count found "
                f"{len(counts)}; the file's quoting is ambiguous (rule: one record per row, "
                "fields quoted with '\"')"
            )
        records = np.arange(len(counts)) > header_at
        keep = records & (counts > 0)  # blank lines are not rows
        rows = frame.loc[keep].reset_index(drop=True)
        fields = counts[keep]
        problems = pd.Series(None, index=rows.index, dtype="str")
        wrong = np.flatnonzero(fields != len(header))
        surplus = rows.iloc[wrong, len(header) :]
        problems.iloc[wrong] = [
            _describe(int(n), len(header), values)
            for n, values in zip(
                fields[wrong], surplus.itertuples(index=False, name=None), strict=True
            )
        ]
        return rows.iloc[:, : len(header)].assign(**{FIELD_COUNT_ERROR: problems})


def _describe(fields: int, expected: int, surplus: Iterable[Any]) -> str:
    """``5 fields, header has 8`` (and the surplus values of a long row)."""
    text = f"{fields} fields, header has {expected}"
    if fields <= expected:
        return text
    extra = ["" if pd.isna(value) else str(value) for value in list(surplus)[: fields - expected]]
    return f"{text}; surplus: {', '.join(extra)}"
