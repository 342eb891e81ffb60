"""Atomic local writes for every catalog dataset: write a temporary file, then rename.

Every kedro-datasets dataset writes through ``with self._fs.open(path, "w"/"wb")``
(pandas CSV/Parquet, JSON, text, pickle, plotly, and each partition of a
``PartitionedDataset``). :class:`AtomicLocalFileSystem` is fsspec's
``LocalFileSystem`` whose write-mode ``open`` returns a file that

* writes to a hidden temporary file *in the target's own directory*
  (``.<name>.tmp-<pid>-<random>.partial``), so the final rename never crosses
  a file system;
* on a clean exit of the ``with`` block (or an explicit ``close()``) flushes,
  ``fsync``\\ s and ``os.replace``\\ s the temporary file onto the target — an
  atomic rename on POSIX — then ``fsync``\\ s the directory;
* on an exception inside the ``with`` block, or when it is garbage-collected
  without being closed, deletes the temporary file and leaves the target as
  it was.

A reader therefore sees either the previous complete file or the new complete
file, never a truncated one. A process killed mid-write (SIGKILL, power loss)
leaves the target untouched plus a hidden ``.partial`` file; the next write of
the same target removes such files whose writer process is gone.

Why not ``fs.transaction``: fsspec's ``LocalFileOpener`` puts deferred files in
the system temp directory (``tempfile.mkstemp()``) and commits with
``shutil.move``, which degrades to copy-then-delete (not atomic) when the
temp directory is on another file system; a transaction is also process-wide
state on a cached file system instance, and Kedro calls no hook when
``catalog.save`` itself raises, so a failed save could leave it open.

:func:`install_atomic_writes` registers the class for the ``file`` and
``local`` protocols (and an S3 counterpart for ``s3``/``s3a``); the project
hook :class:`user_score.hooks.AtomicWritesHook` calls it when a Kedro context
is created. See ``docs/reliability.md``.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem, get_umask

logger = logging.getLogger(__name__)

TEMP_MARKER = ".tmp-"
TEMP_SUFFIX = ".partial"
_ATOMIC_MODES = {"w", "wb", "wt"}


def temp_name_pattern(target_name: str) -> re.Pattern[str]:
    """Regex matching temporary files of ``target_name``; group 1 is the writer's pid."""
    return re.compile(
        rf"^\.{re.escape(target_name)}{re.escape(TEMP_MARKER)}(\d+)-[^/]*{re.escape(TEMP_SUFFIX)}$"
    )


def is_temp_file(path: str | Path) -> bool:
    """True for a temporary file left by an atomic write (``.<name>.tmp-<pid>-*.partial``)."""
    name = Path(path).name
    return name.startswith(".") and TEMP_MARKER in name and name.endswith(TEMP_SUFFIX)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(target: str | Path) -> list[Path]:
    """Delete temporary files of ``target`` whose writer process no longer exists."""
    target = Path(target)
    pattern = temp_name_pattern(target.name)
    removed = []
    with suppress(FileNotFoundError):
        for candidate in target.parent.iterdir():
            match = pattern.match(candidate.name)
            if match and not _process_alive(int(match.group(1))):
                with suppress(FileNotFoundError):
                    candidate.unlink()
                    removed.append(candidate)
    if removed:
        logger.warning(
            "Removed %d temporary file(s) of %s left by an interrupted write", len(removed), target
        )
    return removed


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicLocalFile(io.BufferedWriter):
    """Binary write handle: temp file in the target's directory, renamed on success."""

    def __init__(self, path: str) -> None:
        directory, name = os.path.split(path)
        directory = directory or "."
        remove_stale_temp_files(path)
        fd, temp = tempfile.mkstemp(
            prefix=f".{name}{TEMP_MARKER}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=directory
        )
        os.close(fd)
        self.target = path
        self.temp = temp
        self._abort = False
        super().__init__(io.FileIO(temp, "wb"))

    def _commit(self) -> None:
        try:
            self.flush()
            os.fsync(self.raw.fileno())
        except BaseException:
            self._discard()
            raise
        super().close()
        with suppress(OSError):
            os.chmod(self.temp, 0o666 & ~get_umask())
        os.replace(self.temp, self.target)
        _fsync_directory(os.path.dirname(self.target) or ".")

    def _discard(self) -> None:
        try:
            super().close()
        except Exception:  # a failing flush (disk full) must not hide the cleanup
            logger.debug("closing an aborted write of %s failed", self.target, exc_info=True)
        finally:
            with suppress(FileNotFoundError):
                os.remove(self.temp)

    def discard(self) -> None:
        """Abandon the write: the target keeps its previous content (or stays absent)."""
        self._abort = True
        self.close()

    def close(self) -> None:
        """Commit (rename onto the target) unless the write was aborted."""
        if self.closed:
            return
        if self._abort:
            self._discard()
        else:
            self._commit()

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            self._abort = True
        self.close()

    def __del__(self) -> None:
        # Never publish a file nobody closed: an unclosed handle is an aborted write.
        with suppress(Exception):
            if not self.closed:
                self.discard()


class AtomicTextFile(io.TextIOWrapper):
    """Text wrapper that aborts the underlying :class:`AtomicLocalFile` on exceptions."""

    def close(self) -> None:
        """Flush the text buffer; if that fails (disk full), abort instead of committing."""
        if self.closed:
            return
        try:
            self.flush()
        except BaseException:
            self.buffer._abort = True
            with suppress(Exception):
                super().close()
            raise
        super().close()

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            self.buffer._abort = True
        self.close()

    def __del__(self) -> None:
        with suppress(Exception):
            if not self.closed:
                self.buffer._abort = True
                self.close()


class AtomicLocalFileSystem(LocalFileSystem):
    """``LocalFileSystem`` whose plain write-mode ``open`` is atomic (temp file + rename).

    Other modes (read, append, ``r+``/``w+``, ``x``), compressed writes and writes
    inside an explicit fsspec transaction keep fsspec's behaviour.
    """

    def open(
        self,
        path: str,
        mode: str = "rb",
        block_size: Any = None,
        cache_options: Any = None,
        compression: Any = None,
        **kwargs: Any,
    ) -> Any:
        if (
            mode not in _ATOMIC_MODES
            or compression is not None
            or self._intrans
            or kwargs.get("autocommit", True) is False
        ):
            return super().open(
                path,
                mode=mode,
                block_size=block_size,
                cache_options=cache_options,
                compression=compression,
                **kwargs,
            )
        path = self._strip_protocol(path)
        if self.auto_mkdir:
            self.makedirs(self._parent(path), exist_ok=True)
        handle = AtomicLocalFile(path)
        if "b" in mode:
            return handle
        text_kwargs = {k: kwargs[k] for k in ("encoding", "errors", "newline") if k in kwargs}
        return AtomicTextFile(handle, **text_kwargs)


@functools.cache
def _atomic_s3_filesystem_class() -> type | None:
    """``s3fs.S3FileSystem`` whose plain writes commit only on a clean exit (None without s3fs).

    An S3 object appears only when its upload completes, so a *kill* never
    leaves a partial object. But s3fs completes the upload in ``close()``,
    which the ``with`` block calls even when the serialiser raised half-way:
    the partial content would be published. This subclass opens writes with
    ``autocommit=False`` (always a multipart upload), completes the upload on a
    clean exit and aborts it on an exception or when the handle is dropped.
    """
    try:
        import s3fs
        from s3fs.core import S3File
    except ImportError:  # pragma: no cover - s3fs is a project dependency
        return None

    class AtomicS3File(S3File):
        """S3 write handle: upload parts as usual, complete only if nothing failed."""

        _abort = False

        def discard(self) -> None:
            self._abort = True
            self.close()

        def close(self) -> None:
            if self.closed:
                return
            if self._abort:
                with suppress(Exception):
                    S3File.discard(self)  # abort the multipart upload
                self.closed = True
                return
            try:
                super().close()  # uploads the remaining parts; autocommit=False: no commit
                self.commit()
            except BaseException:
                with suppress(Exception):
                    S3File.discard(self)
                raise

        def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
            if exc_type is not None:
                self._abort = True
            self.close()

        def __del__(self) -> None:
            with suppress(Exception):
                if not self.closed:
                    self.discard()

    class AtomicS3FileSystem(s3fs.S3FileSystem):
        """``S3FileSystem`` whose plain write-mode ``open`` publishes only complete objects."""

        def open(
            self,
            path: str,
            mode: str = "rb",
            block_size: Any = None,
            cache_options: Any = None,
            compression: Any = None,
            **kwargs: Any,
        ) -> Any:
            if (
                mode not in _ATOMIC_MODES
                or compression is not None
                or self._intrans
                or kwargs.get("autocommit", True) is False
            ):
                return super().open(
                    path,
                    mode=mode,
                    block_size=block_size,
                    cache_options=cache_options,
                    compression=compression,
                    **kwargs,
                )
            text_kwargs = {
                k: kwargs.pop(k) for k in ("encoding", "errors", "newline") if k in kwargs
            }
            handle = self._open(
                self._strip_protocol(path),
                mode="wb",
                block_size=block_size,
                autocommit=False,
                cache_options=cache_options,
                **kwargs,
            )
            handle.__class__ = AtomicS3File  # same layout; adds commit-on-success only
            if "b" in mode:
                return handle
            return AtomicTextFile(handle, **text_kwargs)

    return AtomicS3FileSystem


def install_atomic_writes() -> None:
    """Make fsspec's local (``file``, ``local``) and S3 (``s3``, ``s3a``) writes atomic.

    Idempotent; affects file systems created afterwards in this process.
    """
    for protocol in ("file", "local"):
        if fsspec.get_filesystem_class(protocol) is not AtomicLocalFileSystem:
            fsspec.register_implementation(protocol, AtomicLocalFileSystem, clobber=True)
    atomic_s3 = _atomic_s3_filesystem_class()
    if atomic_s3 is not None:
        for protocol in ("s3", "s3a"):
            if fsspec.get_filesystem_class(protocol) is not atomic_s3:
                fsspec.register_implementation(protocol, atomic_s3, clobber=True)
