"""Atomic pandas datasets (catalog types ``user_score.datasets.pandas.*``).

Each class is the kedro-datasets class of the same name with
:class:`~user_score.reliability.atomic_writes.AtomicWrites` mixed in: a save leaves
the previous complete file (or none), never a truncated one; and with
:class:`BoundedLoads`: a load from S3 retries as ``s3_fs_args`` says, no more.
Arguments, previews and versioning are kedro-datasets' own.
:class:`UpsertCSVDataset` is a CSV table updated row by row without lost
updates (``monitoring_history``).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pandas as pd
from fsspec.implementations.local import LocalFileSystem
from fsspec.utils import infer_compression
from kedro.io.core import DatasetError, get_filepath_str
from kedro_datasets import pandas

from user_score.datasets.fast_csv import csv_chunks
from user_score.reliability.atomic_writes import AtomicWrites
from user_score.reliability.conditional import get_object, update_object
from user_score.reliability.streams import StreamedSaves

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(series: pd.Series) -> pd.Series:
    """Whether each cell is text a spreadsheet would run as a formula (null: False)."""
    return series.astype("string").str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)


class BoundedLoads:
    """Mixin for a kedro-datasets pandas type: loads read through the dataset's own file system.

    kedro-datasets hands pandas an ``s3://`` URL and the storage options, so
    pandas builds a plain s3fs, which repeats a failed request five times on
    top of botocore's own attempts: against a store that stops answering, one
    load waited about five times the bound ``s3_fs_args`` sets (measured: 14 s
    with 1 s timeouts and 2 attempts). This dataset's ``_fs`` is the project's
    (:class:`~user_score.reliability.atomic_s3.AtomicS3FileSystem`: botocore's
    attempts are the one retry layer), so a load ends within that bound. Local
    files, and compressed ones (pandas decompresses by the file's name, which a
    handle does not give it), are read as kedro-datasets reads them.
    """

    _read: ClassVar[Callable[..., pd.DataFrame]]

    @contextlib.contextmanager
    def _load_source(self) -> Iterator[Any]:
        """What pandas reads: the local path, or a handle of this dataset's file system."""
        path = get_filepath_str(self._get_load_path(), self._protocol)
        if self._protocol == "file":
            yield path
            return
        with self._fs.open(path, mode="rb") as handle:
            yield handle

    def load(self) -> pd.DataFrame:
        path = get_filepath_str(self._get_load_path(), self._protocol)
        compressed = "compression" in self._load_args or infer_compression(path) is not None
        if self._protocol == "file" or compressed:
            return super().load()
        with self._load_source() as source:
            return type(self)._read(source, **self._load_args)


class CSVDataset(StreamedSaves, BoundedLoads, AtomicWrites, pandas.CSVDataset):
    """``pandas.CSVDataset`` whose saves are atomic and whose loads are bounded.

    A frame of text, float, integer and bool columns saved with ``index: false``
    is rendered column-wise by :func:`~user_score.datasets.fast_csv.csv_chunks`
    (the same bytes as ``to_csv``, several times faster); anything else by pandas.
    A stream of frames (a generator node's chunks,
    :mod:`user_score.reliability.streams`) is written as one file: the
    header once, then every chunk's rows, the bytes of the frames' ``concat``.
    """

    _read = staticmethod(pd.read_csv)

    def _csv_text(self, data: pd.DataFrame, *, header: bool) -> Iterator[str]:
        """``data`` as CSV text pieces (with or without the header line)."""
        chunks = csv_chunks(data, self._save_args)
        if chunks is None:
            yield data.to_csv(**{**self._save_args, "header": header})
            return
        if not header:
            next(chunks)
        yield from chunks

    def _start_stream(self, handle: Any, data: pd.DataFrame) -> None:
        refused = sorted(set(self._save_args) & {"compression", "encoding", "mode"})
        if refused:  # (the stream writes UTF-8 bytes as they come, uncompressed)
            raise DatasetError(f"a streamed CSV file cannot honour the save_args {refused}")
        for text in self._csv_text(data, header=True):
            handle.write(text.encode("utf-8"))

    def _append_to_stream(self, handle: Any, state: Any, data: pd.DataFrame) -> None:
        for text in self._csv_text(data, header=False):
            handle.write(text.encode("utf-8"))

    def save(self, data: pd.DataFrame) -> None:
        if self.streaming:
            self._save_chunk(data)
            return
        chunks = csv_chunks(data, self._save_args) if isinstance(data, pd.DataFrame) else None
        if chunks is None:
            super().save(data)
            return
        save_path = get_filepath_str(self._get_save_path(), self._protocol)
        with self._fs.open(save_path, **self._fs_open_args_save) as handle:
            for chunk in chunks:
                handle.write(chunk)
        self._invalidate_cache()


class ParquetDataset(StreamedSaves, BoundedLoads, AtomicWrites, pandas.ParquetDataset):
    """``pandas.ParquetDataset`` whose saves are atomic and whose loads are bounded.

    A stream of frames (a generator node's chunks,
    :mod:`user_score.reliability.streams`) is written as one file, a row group
    per chunk, in one Arrow schema (:class:`_ParquetStream`: a column's type is
    that of the first chunk with a value in it).
    """

    _read = staticmethod(pd.read_parquet)

    def _start_stream(self, handle: Any, data: pd.DataFrame) -> Any:
        refused = sorted(set(self._save_args) - {"compression"})
        if refused:  # (a stream's frames are written with pyarrow's ParquetWriter)
            raise DatasetError(f"a streamed Parquet file cannot honour the save_args {refused}")
        options = dict(self._save_args)
        stream = _ParquetStream(handle, options)
        stream.add(data)
        return stream

    def _append_to_stream(self, handle: Any, stream: Any, data: pd.DataFrame) -> None:
        stream.add(data)

    def _finish_stream(self, handle: Any, stream: Any) -> None:
        stream.close()  # the footer; the handle is published by the caller

    def _drop_stream(self, stream: Any) -> None:
        if stream is not None:
            stream.drop()

    def save(self, data: pd.DataFrame) -> None:
        if self.streaming:
            self._save_chunk(data)
            return
        super().save(data)


class _ParquetStream:
    """Frames written as one Parquet file, a row group per frame, in one Arrow schema.

    A column with no value in a frame (an empty frame, a block whose lists are
    all empty) has no Arrow type yet (``null``, or ``list<null>``). Such frames
    are held back, at most :attr:`HOLD` of them, until a frame gives every
    column its type; the file then takes those types and the held frames are
    written first, in order: the file reads back as a whole-frame save of the
    same rows. If the stream ends first, the file keeps the untyped column, as
    a whole-frame save would. If :attr:`HOLD` frames pass without a type, the
    file is opened with the untyped column, and a later frame with a value in
    it fails the save with an error naming the column (nothing is published).
    """

    #: Frames held back at most while a column has no type.
    HOLD = 8

    def __init__(self, handle: Any, options: dict[str, Any]) -> None:
        self._handle = handle
        self._options = options
        self._writer: Any = None
        self._held: list[Any] = []

    def add(self, data: pd.DataFrame) -> None:
        import pyarrow as pa

        if self._writer is None:
            self._held.append(pa.Table.from_pandas(data, preserve_index=False))
            schema = self._schema()
            if len(self._held) >= self.HOLD or not any(_untyped(f.type) for f in schema):
                self._open(schema)
            return
        schema = self._writer.schema
        try:
            table = pa.Table.from_pandas(data, schema=schema, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as error:
            untyped = [f.name for f in schema if _untyped(f.type)]
            raise DatasetError(
                f"cannot append a chunk to the Parquet file: the columns {untyped} had no "
                f"value in its first {self.HOLD} chunks, so the file has no type for them, and "
                f"this chunk has one ({error}). Rule: a streamed Parquet file takes each "
                "column's type from its first chunks; save such a day whole "
                "(kedro run --pipelines scoring)."
            ) from error
        self._writer.write_table(table)

    def _schema(self) -> Any:
        """The held frames' schema: each column's first fully typed type (metadata: the
        first frame with every type, else the first)."""
        import pyarrow as pa

        first = self._held[0].schema
        fields = []
        for index, field in enumerate(first):
            types = (table.schema.field(index).type for table in self._held)
            kind = next((t for t in types if not _untyped(t)), field.type)
            fields.append(field.with_type(kind))
        typed = [
            table.schema for table in self._held if not any(_untyped(f.type) for f in table.schema)
        ]
        return pa.schema(fields, metadata=(typed[0] if typed else first).metadata)

    def _open(self, schema: Any) -> None:
        import pyarrow.parquet as pq

        self._writer = pq.ParquetWriter(self._handle, schema, **self._options)
        held, self._held = self._held, []
        for table in held:
            self._writer.write_table(table.cast(schema))

    def close(self) -> None:
        """Write what is held and the file's footer."""
        if self._writer is None:
            self._open(self._schema())
        self._writer.close()

    def drop(self) -> None:
        """Forget the stream (its bytes go into a write being discarded)."""
        self._held = []
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()


def _untyped(kind: Any) -> bool:
    """Whether an Arrow type is ``null`` or holds one (``list<null>``, a struct field)."""
    import pyarrow as pa

    if pa.types.is_null(kind):
        return True
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _untyped(kind.value_type)
    if pa.types.is_struct(kind):
        return any(_untyped(kind.field(i).type) for i in range(kind.num_fields))
    return False


class SpreadsheetCSVDataset(CSVDataset):
    """An atomic ``pandas.CSVDataset`` for files people open in spreadsheets.

    On save, a text cell that starts with a character a spreadsheet reads as a
    formula (``= + - @``, tab, carriage return: the OWASP "CSV injection" list)
    is written with a leading apostrophe, so ``=HYPERLINK(...)`` shows as text
    instead of running. Numbers are never touched. Used for the quarantines,
    the matched labels and the data-quality column tables (which hold text
    from files handed in); ids that start so never reach ``predictions`` (the
    row contracts quarantine them), so joins on ids are unaffected.
    """

    def save(self, data: pd.DataFrame) -> None:
        super().save(neutralise_formulas(data))


def neutralise_formulas(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with every text cell starting ``= + - @``, tab or CR prefixed by ``'``."""
    text_columns = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
    if not text_columns:
        return data
    out = data.copy(deep=False)
    for column in text_columns:
        values = out[column]
        formula = starts_like_formula(values)
        if formula.any():
            out[column] = values.astype(object).where(~formula, "'" + values[formula].astype(str))
    return out


class UpsertCSVDataset(CSVDataset):
    """A CSV table that each save *upserts* rows into, keyed on ``key``, without lost updates.

    ``save(rows)`` adds ``rows`` to the stored table, replacing the stored rows
    with the same key (the saved row wins), sorted by the key. It is a
    read-modify-write of one object done by
    :func:`user_score.reliability.conditional.update_object`: on S3 a
    compare-and-swap on the object's ETag (``If-Match``; ``If-None-Match: *``
    for the first row), repeated up to ``max_attempts`` times when another run
    wrote in between; on local files under an exclusive lock of the folder. So
    two runs saving different keys at the same time both keep their rows.
    Stored cells are kept as text, byte for byte. On S3 ``load`` reads the
    object in one request (a file handle's ranged reads carry ``If-Match`` and
    fail with ``412`` when another run upserts in between); elsewhere it is
    ``CSVDataset``'s.

    Example catalog entry::

        monitoring_history:
          type: user_score.datasets.pandas.UpsertCSVDataset
          filepath: ${globals:root}/08_reporting/monitoring/monitoring_history.csv
          key: run_date
          save_args:
            index: false
    """

    def __init__(self, *, key: str | list[str], max_attempts: int = 5, **kwargs: Any) -> None:
        if kwargs.get("version") is not None:
            raise DatasetError("UpsertCSVDataset cannot be versioned: it updates one table")
        super().__init__(**kwargs)
        self._key = [key] if isinstance(key, str) else list(key)
        self._max_attempts = max_attempts

    def _as_text(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` as the cells its CSV file holds (every value a string)."""
        text = frame.to_csv(**{**self._save_args, "index": False})
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)

    def _upsert(self, current: bytes | None, rows: pd.DataFrame) -> bytes:
        new = self._as_text(rows)
        missing = [column for column in self._key if column not in new.columns]
        if missing:
            raise DatasetError(f"rows to upsert lack the key column(s) {missing}")
        if current is not None:
            stored = pd.read_csv(io.BytesIO(current), dtype=str, keep_default_na=False)
            new = pd.concat([stored, new], ignore_index=True).fillna("")
        table = new.drop_duplicates(self._key, keep="last").sort_values(self._key, kind="stable")
        return table.to_csv(**{**self._save_args, "index": False}).encode("utf-8")

    def load(self) -> pd.DataFrame:
        if isinstance(self._fs, LocalFileSystem):
            return super().load()
        path = get_filepath_str(self._get_load_path(), self._protocol)
        stored = get_object(self._fs, path)
        if stored is None:
            raise FileNotFoundError(path)
        return pd.read_csv(io.BytesIO(stored.content), **self._load_args)

    def _save(self, data: pd.DataFrame) -> None:
        path = get_filepath_str(self._get_save_path(), self._protocol)
        update_object(
            self._fs, path, lambda current: self._upsert(current, data), attempts=self._max_attempts
        )
        self._invalidate_cache()
