r"""Atomic writes for the project's datasets: a complete new file, or the previous one.

Every kedro-datasets dataset writes through ``with self._fs.open(path, "w"/"wb")``
(pandas CSV/Parquet, JSON, text, pickle, plotly, and each partition of a
``PartitionedDataset``). The project's dataset types (``user_score.datasets``,
used by every file-writing catalog entry) mix in
:class:`~user_score.reliability.atomic_writes.AtomicWrites`, which
gives *that dataset instance* a file system whose plain write-mode ``open``
is atomic:

* local files -- :class:`AtomicLocalFileSystem`: fsspec's ``LocalFileSystem``
  whose write handle writes a hidden temporary file *in the target's own
  directory* (``.<name>.tmp-<pid>-<random>.partial``), and on a clean exit of
  the ``with`` block flushes, ``fsync``\ s and ``os.replace``\ s it onto the
  target (an atomic rename on POSIX), then ``fsync``\ s the directory. On an
  exception inside the ``with`` block, or when the handle is garbage-collected
  without being closed, it deletes the temporary file and leaves the target
  as it was. A process killed mid-write (SIGKILL, power loss) leaves the
  target untouched plus a hidden ``.partial`` file; the next write of the same
  target removes such files whose writer process is gone.
* S3 -- :class:`user_score.reliability.atomic_s3.AtomicS3FileSystem`: the
  upload completes only on a clean exit and is aborted otherwise.

Nothing is registered with fsspec and no live object changes class: other
code in the same process (notebooks, kedro-viz, a plain ``fsspec.open``)
keeps fsspec's own file systems.

Why not ``fs.transaction``: fsspec's ``LocalFileOpener`` puts deferred files in
the system temp directory (``tempfile.mkstemp()``) and commits with
``shutil.move``, which degrades to copy-then-delete (not atomic) when the
temp directory is on another file system; a transaction is also process-wide
state on a cached file system instance, and Kedro calls no hook when
``catalog.save`` itself raises, so a failed save could leave it open.
See ``docs/reliability.md``.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from fsspec.implementations.local import LocalFileSystem, get_umask

logger = logging.getLogger(__name__)

TEMP_MARKER = ".tmp-"
TEMP_SUFFIX = ".partial"
ATOMIC_MODES = {"w", "wb", "wt"}


def is_plain_write(fs: Any, mode: str, compression: Any, kwargs: dict[str, Any]) -> bool:
    """Whether ``fs.open(path, mode, ...)`` is a write the atomic file systems take over.

    Plain write modes only; read, append, ``r+``/``w+``, ``x``, compressed writes
    and writes inside an explicit fsspec transaction keep fsspec's behaviour.
    """
    return (
        mode in ATOMIC_MODES
        and compression is None
        and not fs._intrans
        and kwargs.get("autocommit", True) is not False
    )


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
    """Text wrapper that aborts the underlying atomic binary handle on exceptions."""

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

    atomic_writes = True

    def open(
        self,
        path: str,
        mode: str = "rb",
        block_size: Any = None,
        cache_options: Any = None,
        compression: Any = None,
        **kwargs: Any,
    ) -> Any:
        if not is_plain_write(self, mode, compression, kwargs):
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
