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

How (``engine: pyarrow``, the default for the options a batch uses: text
columns, only an empty field missing, UTF-8): pyarrow's CSV reader parses the
file once (about 0.4 s per million rows, against ~4 s for the other way) and
hands each record whose field count is not the header's to a handler, which
keeps its text and its record number; those records are split by Python's
``csv`` module and put back in their places. If the record numbers do not
account for every record, the file is read the other way.

The other way (any other options, or ``engine: pandas``): the fields of every
record are counted with Python's ``csv`` module (C-implemented, about 1.5 s per
million rows), then the file is read by pandas' C parser into as many columns
as the longest record, without skipping blank lines, so that the two parses
align record for record (blank lines are dropped afterwards, as pandas does).
Only the options below are honoured by the count; other parsing options of
``load_args`` are refused.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from kedro.io.core import PROTOCOL_DELIMITER, AbstractDataset, DatasetError, get_protocol_and_path
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
#: Last line added to the bytes pyarrow parses (see ``_load_arrow``).
_SENTINEL = "\x00end of file\x00"
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

    def __init__(self, *, engine: str = "pyarrow", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if engine not in ("pyarrow", "pandas"):
            raise DatasetError(
                f"FieldCountCSVDataset engine must be pyarrow or pandas, not {engine}"
            )
        self._engine = engine
        unsupported = sorted(set(self._load_args) - SUPPORTED_LOAD_ARGS)
        if unsupported:
            raise DatasetError(
                f"FieldCountCSVDataset does not support the load_args {unsupported} "
                f"(supported: {sorted(SUPPORTED_LOAD_ARGS)})"
            )

    def _where(self) -> str:
        """The file's path or URL, for messages."""
        load_path = str(self._get_load_path())
        if self._protocol == "file":
            return load_path
        return f"{self._protocol}{PROTOCOL_DELIMITER}{load_path}"

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
        with self._load_source() as source:
            frame = pd.read_csv(
                source, nrows=nrows, index_col=False, on_bad_lines="skip", **self._load_args
            )
        return frame.to_dict(orient="split")

    def _arrow_options(self) -> dict[str, Any] | None:
        """pyarrow's reader options equal to ``load_args``, or None if it cannot honour them."""
        args = dict(self._load_args)
        text_only = args.pop("dtype", None) in (str, "str", "string")
        only_empty_missing = (
            args.pop("keep_default_na", True) is False
            and list(args.pop("na_values", [])) == [""]
            and args.pop("na_filter", True) is True
        )
        utf8 = str(args.pop("encoding", "utf-8")).lower().replace("_", "-") in (
            "utf-8",
            "utf8",
            "utf-8-sig",
        )
        delimiter = args.pop("sep", args.pop("delimiter", ","))
        quote = args.pop("quotechar", '"')
        doublequote = args.pop("doublequote", True)
        no_escape = args.pop("escapechar", None) is None
        plain = text_only and only_empty_missing and utf8 and no_escape and len(quote) == 1
        if args or not plain or self._engine != "pyarrow":
            return None
        return {
            "delimiter": delimiter,
            "quote_char": quote,
            "double_quote": doublequote,
            "escape_char": False,
        }

    def _load_arrow(self, header: list[str], options: dict[str, Any]) -> pd.DataFrame | None:
        """The file read by pyarrow (see the module docstring); None if the records do not
        line up (the caller then reads it the other way)."""
        names = [f"field_{i}" for i in range(len(header))]
        wrong: list[Any] = []

        def keep_aside(row: Any) -> str:
            wrong.append(row)
            return "skip"

        path = str(self._get_load_path())
        try:
            # The sentinel line is a record of its own unless the file ends inside an
            # open quote (pandas: "EOF inside string"; pyarrow would close the quote).
            with self._fs.open(path, mode="rb") as handle:
                source = io.BufferedReader(_ThenSentinel(handle), buffer_size=1 << 20)
                table = self._read_arrow(source, names, options, keep_aside)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None  # the other way raises pandas' own error
        if not wrong or wrong[-1].text != _SENTINEL or wrong[-1].actual_columns != 1:
            return None
        return self._assemble(table, wrong[:-1], header, options)

    @staticmethod
    def _read_arrow(source: Any, names: list[str], options: dict[str, Any], handler: Any) -> Any:
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=False, column_names=names),
            parse_options=pacsv.ParseOptions(
                **options, newlines_in_values=True, invalid_row_handler=handler
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    @staticmethod
    def _assemble(
        table: Any, wrong: list[Any], header: list[str], options: dict[str, Any]
    ) -> pd.DataFrame | None:
        """The frame of the rows pyarrow read and the rows it set aside, in file order."""
        # Record numbers count from 1 at the header and skip blank lines, as the rows do.
        positions = np.array([row.number for row in wrong], dtype=object)
        total = table.num_rows - 1 + len(wrong)
        if table.num_rows == 0 or any(number is None for number in positions):
            return None
        positions = positions.astype(np.int64) - 2
        in_order = bool(np.all(np.diff(positions) > 0)) if len(positions) > 1 else True
        if len(positions) and (not in_order or positions[0] < 0 or positions[-1] >= total):
            return None
        # one Arrow chunk per column, as pandas reads it (string kernels on 24 chunks are slower)
        rows = table.slice(1).combine_chunks().to_pandas()
        rows.columns = header
        problems = pd.Series(None, index=rows.index, dtype="str")
        frame = rows.assign(**{FIELD_COUNT_ERROR: problems})
        if not wrong:
            return frame
        frame.index = np.setdiff1d(np.arange(total), positions)
        dialect = {
            "delimiter": options["delimiter"],
            "quotechar": options["quote_char"],
            "doublequote": options["double_quote"],
        }
        records = []
        for row in wrong:
            try:
                fields = next(csv.reader(io.StringIO(row.text), strict=True, **dialect), [])
            except csv.Error:
                return None  # an unterminated quote: pandas names the error
            if len(fields) != row.actual_columns:
                return None
            values = [value if value != "" else None for value in fields[: len(header)]]
            values += [None] * (len(header) - len(values))
            records.append([*values, _describe(len(fields), len(header), fields[len(header) :])])
        aside = pd.DataFrame(
            records, columns=[*header, FIELD_COUNT_ERROR], index=positions, dtype="str"
        )
        return pd.concat([frame, aside]).sort_index().reset_index(drop=True)

    def load(self) -> pd.DataFrame:
        # The header as pandas reads it (duplicate names made unique); an empty
        # file fails here with pandas' own "No columns to parse from file".
        with self._load_source() as source:
            header = list(pd.read_csv(source, nrows=0, **self._load_args).columns)
        options = self._arrow_options()
        if options is not None and len(header) > 1:  # (the sentinel line must be short)
            frame = self._load_arrow(header, options)
            if frame is not None:
                return frame
        counts = self._field_counts()
        header_at = int(np.flatnonzero(counts)[0])  # pandas skips blank lines before it
        if counts[header_at] != len(header):
            raise DatasetError(
                f"{self._where()}: the header has {counts[header_at]} fields but pandas read "
                f"{len(header)} column names"
            )
        width = int(counts.max())
        names = [*header, *(f"{FIELD_COUNT_ERROR}_{i}" for i in range(width - len(header)))]
        with self._load_source() as source:
            frame = pd.read_csv(
                source,
                header=None,
                names=names,
                index_col=False,
                skip_blank_lines=False,
                **self._load_args,
            )
        if len(frame) != len(counts):
            raise DatasetError(
                f"{self._where()}: pandas read {len(frame)} records but the field count found "
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


class _ThenSentinel(io.RawIOBase):
    """The bytes of ``handle``, then a line break and :data:`_SENTINEL` (read as a stream)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._tail = b"\n" + _SENTINEL.encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        if not data:
            data, self._tail = self._tail[: len(buffer)], self._tail[len(buffer) :]
        buffer[: len(data)] = data
        return len(data)


def _describe(fields: int, expected: int, surplus: Iterable[Any]) -> str:
    """``5 fields, header has 8`` (and the surplus values of a long row)."""
    text = f"{fields} fields, header has {expected}"
    if fields <= expected:
        return text
    extra = ["" if pd.isna(value) else str(value) for value in list(surplus)[: fields - expected]]
    return f"{text}; surplus: {', '.join(extra)}"


def parse_csv_block(
    block: bytes, load_args: dict[str, Any], engine: str = "pyarrow", *, header: bytes = b""
) -> pd.DataFrame:
    """Records of one CSV file (``header`` put in front of ``block``) read by this dataset.

    For readers that cut a day into blocks at line breaks (the Dask partitions,
    the chunks of :class:`~user_score.datasets.csv_blocks.CSVBlocksDataset`):
    each block goes through a temporary file, so it is read by the very same
    reader as a whole file and gets the same columns, values and
    :data:`FIELD_COUNT_ERROR` marks.
    """
    with tempfile.TemporaryDirectory(prefix="user_score_block_") as folder:
        path = Path(folder) / "block.csv"
        path.write_bytes(header + block)
        return FieldCountCSVDataset(filepath=str(path), load_args=load_args, engine=engine).load()


class BlockCSVSource(AbstractDataset[None, Any]):
    """Base of the datasets that read one CSV file in blocks, each as ``FieldCountCSVDataset``.

    (:class:`~user_score.datasets.csv_blocks.CSVBlocksDataset`,
    :class:`~user_score.datasets.dask_csv.FieldCountDaskCSVDataset`.) Holds the
    file's place, the load arguments (refused here, as the default dataset
    refuses them, if it cannot honour them) and the storage options; read-only.
    """

    #: It refuses every save (so it needs no atomic writes).
    read_only = True

    def __init__(
        self,
        *,
        filepath: str,
        load_args: dict[str, Any] | None = None,
        engine: str = "pyarrow",
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = str(filepath)
        self._load_args = deepcopy(load_args or {})
        self._engine = engine
        self._storage_options = {**deepcopy(fs_args or {}), **deepcopy(credentials or {})}
        self.metadata = metadata
        FieldCountCSVDataset(filepath="check.csv", load_args=self._load_args, engine=engine)

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "load_args": self._load_args,
            "engine": self._engine,
            **self._block_options(),
        }

    def _block_options(self) -> dict[str, Any]:
        """How the subclass cuts the file (its catalog arguments), for ``_describe``."""
        return {}

    def _file_system(self) -> tuple[Any, str]:
        """The file's file system (the project's: on S3 botocore's bounded attempts are the
        one retry layer, as for the catalog's loads) and path."""
        import fsspec

        from user_score.reliability.atomic_writes import atomic_filesystem

        protocol, path = get_protocol_and_path(self._filepath)
        fs = fsspec.filesystem(protocol, **self._storage_options)
        return (atomic_filesystem(fs) if protocol in ("file", "s3", "s3a") else fs), path

    @property
    def _fs(self) -> Any:
        """The file's file system (the catalog lists a missing day's neighbours with it)."""
        return self._file_system()[0]

    def _exists(self) -> bool:
        fs, path = self._file_system()
        return fs.exists(path)

    def save(self, data: Any) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only (scoring never writes its input)")
