"""``CSVBlocksDataset``: one day's CSV as frames of bounded size, read as ``batch_input`` is.

The ``scoring_chunked`` pipeline's ``batch_input_blocks``: the same file as
``batch_input``, loaded lazily as :class:`CSVBlocks`, an iterable of frames
of about ``block_bytes`` of CSV each (~65,000 rows at 8 MiB), so that no
step holds the whole day. Each iteration reads the file again from the start
(the pipeline reads the day twice: its ids first, then the rows to score).

* The file is cut at line breaks that end a record: the number of quote
  characters before the break is even (a line break inside a quoted title is
  not a record's end). A stray quote inside an unquoted field (``27" TV``)
  makes every later count odd: after two blocks' worth without an even count
  the cut is the last line break. A cut inside a quoted field leaves a block
  that ends inside an open quote; its parse fails and the block is read again
  together with the next one (up to :data:`MAX_CARRY_BLOCKS` blocks' bytes
  and at least 64 MiB, then the day fails: a quote never closed), so a block
  is never read wrongly.
* Each block (with the header line in front) is parsed by
  :func:`~user_score.datasets.field_count_csv.parse_csv_block`, i.e. by
  :class:`~user_score.datasets.FieldCountCSVDataset` itself: the same columns,
  values and ``row: field_count`` marks as the same rows of the whole-file load.
* A frame's index is the rows' place in the file (``0..n-1`` over the day, as
  the whole-file load numbers them).
* ``contract`` (a pandera ``DataFrameModel`` class path, e.g.
  ``user_score.contracts.BatchInput``) is checked on every block through
  Kedro's own validator, and its failures name the file, as the catalog's
  ``validator:`` key does for a whole file. A column rule over all values
  (``meta_score``'s "at least half are numbers") is then checked per block:
  a day that passes it block by block passes it as a whole, not always the
  other way round.
* An empty day (a header only) is one empty frame.

Load only: scoring never writes its input.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

import pandas as pd
from kedro.io.core import DatasetError
from kedro.validation.exceptions import DataValidationError

from .field_count_csv import BlockCSVSource, parse_csv_block

#: Default bytes of CSV per block (~65,000 rows of a batch day).
DEFAULT_BLOCK_BYTES = 8 * 2**20
_BOM = b"\xef\xbb\xbf"
#: A block read on with the next ones beyond this many blocks' bytes (and 64 MiB) fails the
#: day (a quote that is never closed would otherwise make the rest of the file one block).
MAX_CARRY_BLOCKS = 16
_MIN_CARRY_BYTES = 64 * 2**20
#: What a parse raises for records it cannot split (a block cut inside a quoted field).
_TOKENIZING = (pd.errors.ParserError, csv.Error)


class _Unreadable(Exception):
    """A block's records could not be split (``cause``: the parser's error)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class CSVBlocksDataset(BlockCSVSource):
    """A CSV file loaded as :class:`CSVBlocks` (frames of ``block_bytes`` each, lazily).

    Example catalog entry (``conf/base/catalog_01_raw.yml``)::

        batch_input_blocks:
          type: user_score.datasets.csv_blocks.CSVBlocksDataset
          filepath: data/prod/input/dt=2021-03-01/input.csv
          block_bytes: 8388608
          contract: user_score.contracts.BatchInput
          load_args:
            dtype: str
            keep_default_na: false
            na_values: [""]

    Args:
        filepath: Path or URL (``s3://...``) of one CSV file.
        load_args: ``FieldCountCSVDataset`` load arguments (the same keys).
        block_bytes: Bytes of CSV per block (at least 1).
        contract: Class path of the pandera ``DataFrameModel`` every block must pass.
        engine: ``FieldCountCSVDataset``'s engine (``pyarrow`` or ``pandas``).
        credentials: fsspec credentials (as kedro-datasets' datasets take them).
        fs_args: fsspec file system arguments.
        metadata: Ignored by Kedro (kedro-viz layer, ...).
    """

    def __init__(  # the catalog entry's keys
        self,
        *,
        filepath: str,
        load_args: dict[str, Any] | None = None,
        block_bytes: int = DEFAULT_BLOCK_BYTES,
        contract: str | None = None,
        engine: str = "pyarrow",
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if int(block_bytes) < 1:
            raise DatasetError(
                f"CSVBlocksDataset block_bytes must be at least 1, not {block_bytes}"
            )
        super().__init__(
            filepath=filepath,
            load_args=load_args,
            engine=engine,
            credentials=credentials,
            fs_args=fs_args,
            metadata=metadata,
        )
        self._block_bytes = int(block_bytes)
        self._contract = contract

    def _block_options(self) -> dict[str, Any]:
        return {"block_bytes": self._block_bytes, "contract": self._contract}

    def load(self) -> CSVBlocks:
        """The day as :class:`CSVBlocks` (nothing is read until it is iterated)."""
        fs, path = self._file_system()
        if not fs.exists(path):  # (the catalog names the nearest days that exist)
            raise FileNotFoundError(f"{self._filepath}: no such file")
        return CSVBlocks(
            fs,
            path,
            where=self._filepath,
            load_args=self._load_args,
            engine=self._engine,
            block_bytes=self._block_bytes,
            validator=_validator(self._contract) if self._contract else None,
        )


def _validator(contract: str) -> Any:
    """Kedro's validator for ``contract`` (the one the catalog ``validator:`` key builds)."""
    from kedro.validation.core import ValidatorSpec, resolve_validator

    return resolve_validator(ValidatorSpec.from_dataset_config("batch_input_blocks", contract))


class CSVBlocks:
    """A CSV file's records as frames, block by block, in file order (iterable again and again)."""

    def __init__(
        self,
        fs: Any,
        path: str,
        *,
        where: str,
        load_args: dict[str, Any],
        engine: str,
        block_bytes: int,
        validator: Any | None,
    ) -> None:
        self._fs = fs
        self._path = path
        self.where = where
        self._load_args = load_args
        self._engine = engine
        self._block_bytes = block_bytes
        self._validator = validator

    def __repr__(self) -> str:
        return f"CSVBlocks({self.where!r}, block_bytes={self._block_bytes})"

    def __iter__(self) -> Iterator[pd.DataFrame]:
        with self._fs.open(self._path, mode="rb") as handle:
            header = handle.readline()
            while header and not header.removeprefix(_BOM).strip():  # pandas skips blank
                header = handle.readline()  # lines before the header (after a BOM too)
            # The header as the default dataset reads it: an empty file fails here with
            # pandas' own "No columns to parse from file", as it does there.
            try:
                empty = self._parse(header, b"", 0)
            except _Unreadable as error:
                raise self._unreadable(error.cause, 0) from error.cause
            if not header.endswith(b"\n"):  # a header-only file without a final line break
                header += b"\n"
            rows = 0
            carry = b""
            quote = ord(str(self._load_args.get("quotechar", '"'))[:1] or '"')
            blocks = _record_blocks(handle, self._block_bytes, quote)
            block = next(blocks, None)
            while block is not None:
                following = next(blocks, None)
                data, carry = carry + block, b""
                try:
                    frame = self._parse(data, header, rows)
                except _Unreadable as error:
                    cause = error.cause
                    too_long = max(MAX_CARRY_BLOCKS * self._block_bytes, _MIN_CARRY_BYTES)
                    if following is None or len(data) > too_long:
                        raise self._unreadable(cause, rows) from cause
                    # cut inside a quoted field (a stray quote misled the count): read on
                    carry, block = data, following
                    continue
                del data, block  # only the frame and the next block's bytes are held
                frame.index = pd.RangeIndex(rows, rows + len(frame))
                rows += len(frame)
                yield self._checked(frame)
                del frame
                block = following
            if rows == 0:
                yield self._checked(empty)

    def _parse(self, block: bytes, header: bytes, first_row: int) -> pd.DataFrame:
        try:
            return parse_csv_block(block, self._load_args, self._engine, header=header)
        except Exception as error:
            cause = (error.__cause__ or error) if isinstance(error, DatasetError) else error
            if isinstance(cause, _TOKENIZING):
                raise _Unreadable(cause) from error
            raise self._unreadable(cause, first_row) from error

    def _unreadable(self, cause: BaseException, first_row: int) -> DatasetError:
        """The error for a block that cannot be read: the catalog's read error, naming the file."""
        # Imported here: user_score.catalog imports the project's datasets.
        from user_score.catalog import DatasetReadError

        return DatasetReadError(
            f"Cannot read dataset 'batch_input_blocks' (file: {self.where}, the rows from data "
            f"row {first_row} on): {type(cause).__name__}: {cause}. Rule: the file must exist "
            "and be a readable file in the dataset's format (see docs/data_contract.md).",
            "batch_input_blocks",
            self.where,
        )

    def _checked(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` after the contract (a failure names the file, column and rule)."""
        if self._validator is None:
            return frame
        # Imported here: user_score.catalog imports the project's datasets.
        from user_score.catalog import ContractViolationError

        try:
            self._validator.validate(frame)
        except DataValidationError as error:
            error.dataset_name = error.dataset_name or "batch_input_blocks"
            error.mode = "load"
            raise ContractViolationError(error, self.where) from error
        return frame


def _record_blocks(handle: Any, size: int, quote: int = ord('"')) -> Iterator[bytes]:
    """The rest of ``handle`` in blocks of at least ``size`` bytes, each ending a record.

    A block ends after a line break with an even number of quote characters
    before it in the block (blocks start at a record's start, where the count
    is even), or, if two blocks' worth has none, after the last line break; the
    last block is whatever remains.
    """
    pending = b""
    while True:
        data = handle.read(size)
        if not data:
            break
        pending += data
        end = _last_record_end(pending, quote)
        if not end and len(pending) >= 2 * size:
            # No even count for two blocks' worth (a stray quote in an unquoted field,
            # "27\" monitor"): cut at the last line break; if that is inside a quoted
            # field, the block fails to parse and is read on with the next one.
            end = pending.rfind(b"\n") + 1
        if end:
            yield pending[:end]
            pending = pending[end:]
    if pending:
        yield pending


def _last_record_end(data: bytes, quote: int = ord('"')) -> int:
    """Position after the last line break of ``data`` that ends a record (0: none)."""
    newline = data.rfind(b"\n")
    if newline < 0:
        return 0
    quotes = data.count(quote, 0, newline)
    while quotes % 2:
        earlier = data.rfind(b"\n", 0, newline)
        if earlier < 0:
            return 0
        quotes -= data.count(quote, earlier, newline)
        newline = earlier
    return newline + 1
