"""The atomic writes of the project's dataset types: :class:`AtomicWrites`.

A dataset class that mixes in :class:`AtomicWrites` gets, for its own
instance only, the atomic counterpart of its file system
(:func:`atomic_filesystem`): :class:`~.atomic.AtomicLocalFileSystem` for local
files, :class:`~.atomic_s3.AtomicS3FileSystem` for S3. The mechanisms are
described in :mod:`user_score.reliability.atomic`.
"""

from __future__ import annotations

import logging
from typing import Any

from fsspec.implementations.local import LocalFileSystem

from .atomic import AtomicLocalFileSystem

logger = logging.getLogger(__name__)


def atomic_filesystem(fs: Any) -> Any:
    """The atomic counterpart of ``fs`` (same options), or ``fs`` if it has none.

    Local and S3 file systems get :class:`AtomicLocalFileSystem` /
    ``AtomicS3FileSystem`` built from the same storage options (fsspec caches
    them like any file system); an atomic one is returned as it is. Any other
    protocol (memory, gcs, ...) keeps its own file system, with a warning:
    its writes are not made atomic here.
    """
    if isinstance(fs, AtomicLocalFileSystem) or getattr(fs, "atomic_writes", False):
        return fs
    if isinstance(fs, LocalFileSystem):
        return AtomicLocalFileSystem(*fs.storage_args, **fs.storage_options)
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    if "s3" in protocols:
        # Imported here: a run on local files never imports s3fs (~0.2 s and ~28 MB).
        from .atomic_s3 import AtomicS3FileSystem

        return AtomicS3FileSystem(*fs.storage_args, **fs.storage_options)
    logger.warning("Writes through %s are not atomic (no atomic counterpart)", type(fs).__name__)
    return fs


class AtomicWrites:
    """Mixin for a kedro-datasets type: this dataset's writes are atomic.

    ``class CSVDataset(AtomicWrites, kedro_datasets.pandas.CSVDataset)``: after
    the dataset is built, its file system (kedro-datasets' ``_fs``) is replaced
    by :func:`atomic_filesystem` of it. Only this instance is affected.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fs = atomic_filesystem(self._fs)
