"""``FieldCountDaskCSVDataset``: one day's CSV as a ``dask.dataframe``, parsed block by block.

The ``dask`` environment's ``batch_input`` (``conf/dask/catalog.yml``). It
reads the file the way the default ``batch_input``
(:class:`~user_score.datasets.FieldCountCSVDataset`) does, but in byte blocks
of ``blocksize``, one ``dask.dataframe`` partition per block, so that the
workers of a cluster read and parse the day in parallel and no machine holds
all of it:

* the blocks are ``dask.bytes.read_bytes`` blocks cut at line breaks (what
  ``dask.dataframe.read_csv`` does); the header line is put in front of every
  block after the first;
* each block is parsed by :class:`~user_score.datasets.FieldCountCSVDataset`
  itself (from a temporary file on the worker), so a partition has the same
  columns, values and :data:`~user_score.datasets.FIELD_COUNT_ERROR` marks as
  the same rows of the default load, in file order.

Why not kedro-datasets' ``dask.CSVDataset``: it parses each block with
``pandas.read_csv``, which pads a row with fewer fields than the header and
fails the whole file on a row with more; the field-count contract
(``row: field_count`` in the quarantine) would be lost.

A quoted field holding a line break that falls exactly on a block boundary
cannot be split correctly; the block then ends inside an open quote and its
parse fails the day (pandas' "EOF inside string"), it is never read wrongly.
Such a day is scored with a larger ``blocksize`` or on the default path.

Load only: scoring never writes ``batch_input``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.io.core import DatasetError

from .field_count_csv import BlockCSVSource, parse_csv_block

#: Default block size (Dask's blocks of one file are equal, between this and twice this).
DEFAULT_BLOCKSIZE = "64MB"


class FieldCountDaskCSVDataset(BlockCSVSource):
    """A CSV file loaded as a ``dask.dataframe`` parsed like ``FieldCountCSVDataset``.

    Example catalog entry (``conf/dask/catalog.yml``)::

        batch_input:
          type: user_score.datasets.dask_csv.FieldCountDaskCSVDataset
          filepath: data/prod/input/dt=2021-03-01/input.csv
          blocksize: 64MB
          load_args:
            dtype: str
            keep_default_na: false
            na_values: [""]

    Args:
        filepath: Path or URL (``s3://...``) of one CSV file.
        load_args: ``FieldCountCSVDataset`` load arguments (the same keys).
        blocksize: Bytes per partition (``"64MB"``, or an int).
        engine: ``FieldCountCSVDataset``'s engine (``pyarrow`` or ``pandas``).
        credentials: fsspec credentials (as kedro-datasets' datasets take them).
        fs_args: fsspec file system arguments.
        metadata: Ignored by Kedro (kedro-viz layer, ...).
    """

    def __init__(
        self,
        *,
        filepath: str,
        load_args: dict[str, Any] | None = None,
        blocksize: str | int = DEFAULT_BLOCKSIZE,
        engine: str = "pyarrow",
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            filepath=filepath,
            load_args=load_args,
            engine=engine,
            credentials=credentials,
            fs_args=fs_args,
            metadata=metadata,
        )
        self._blocksize = blocksize

    def _block_options(self) -> dict[str, Any]:
        return {"blocksize": self._blocksize}

    def load(self) -> Any:
        """The day as a ``dask.dataframe.DataFrame`` (one partition per block, file order)."""
        import dask
        import dask.dataframe as dd
        from dask.bytes import read_bytes

        fs, path = self._file_system()
        with fs.open(path, mode="rb") as handle:
            header = handle.readline()
        # The header as the default dataset reads it (an empty file fails with pandas'
        # own "No columns to parse from file", as it does there).
        columns = list(parse_csv_block(header, self._load_args, self._engine).columns)
        if not header.endswith(b"\n"):  # a header-only file without a final line break
            header += b"\n"
        _, blocks = read_bytes(
            self._filepath,
            delimiter=b"\n",
            blocksize=self._blocksize,
            sample=False,
            **self._storage_options,
        )
        if len(blocks) != 1:
            raise DatasetError(f"{self._filepath}: expected one file, found {len(blocks)}")
        parse = dask.delayed(parse_csv_block, pure=True)
        parts = [
            parse(block, self._load_args, self._engine, header=header if number else b"")
            for number, block in enumerate(blocks[0])
        ]
        meta = pd.DataFrame({column: pd.Series(dtype="str") for column in columns})
        return dd.from_delayed(parts, meta=meta, verify_meta=False)
