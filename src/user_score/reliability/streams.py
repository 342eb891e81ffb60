"""Streamed saves: a generator node's chunks written as one file, published only when it ends.

Kedro 1.7 runs a node whose function is a generator chunk by chunk: each
yielded value is saved to the node's outputs as it comes
(``kedro/runner/task.py``), so the node never holds its whole output. A file
dataset would replace its file at every chunk. This module makes those saves
one atomic write per output:

* :class:`StreamedSaves` (mixed into the project's CSV and Parquet datasets,
  :mod:`user_score.datasets.pandas`): between :meth:`~StreamedSaves.begin_stream`
  and :meth:`~StreamedSaves.end_stream` each ``save`` appends a chunk to one
  write of the file (the atomic file system's temporary file, or an S3
  multipart upload), which is published by ``end_stream(commit=True)`` or
  abandoned by ``end_stream(commit=False)``: the previous file (or none)
  stays until the last chunk is written, and a failed node leaves nothing.
* :class:`StreamedSavesHook` opens the streams of a generator node's outputs
  before it runs and publishes them once the node has ended, which Kedro's
  sequential runner marks by loading the next node's inputs, starting the next
  node or ending the run (its ``after_node_run`` hook comes before a
  generator's chunks). A run that fails abandons them, and so does the next
  run in the same process after an interrupted one (Ctrl-C calls no hook).
  An output that cannot append (a JSON file, say) fails the node before it
  runs instead of keeping only the last chunk; a ``MemoryDataset`` keeps the
  last chunk (a running total, for instance).
  Streams need the sequential runner; another runner with a generator node
  is refused.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import MemoryDataset
from kedro.io.core import DatasetError, get_filepath_str

logger = logging.getLogger(__name__)


@dataclass
class _Stream:
    """One open stream: the write handle (after the first chunk) and the format's state."""

    handle: Any = None
    state: Any = None
    chunks: int = 0


class StreamedSaves:
    """Mixin for a file dataset: saves between ``begin_stream`` and ``end_stream`` append.

    A subclass writes the first chunk in ``_start_stream(handle, data)``
    (returning any state it needs), the next ones in
    ``_append_to_stream(handle, state, data)``, and finishes the file in
    ``_finish_stream(handle, state)`` (a Parquet footer, say). Its ``save``
    calls :meth:`_save_chunk` while :attr:`streaming`.
    """

    _stream: _Stream | None = None

    @property
    def streaming(self) -> bool:
        """Whether saves currently append to an open stream."""
        return self._stream is not None

    def begin_stream(self) -> None:
        """Make the next saves chunks of one file (nothing is opened before the first)."""
        if self._stream is not None:
            raise DatasetError(f"{self._stream_path()}: a stream of chunks is already open")
        self._stream = _Stream()

    def end_stream(self, *, commit: bool) -> None:
        """Publish the streamed file (``commit``) or abandon it; no-op without a stream."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        if stream.handle is None:
            if commit:
                raise DatasetError(
                    f"{self._stream_path()}: the node yielded no chunk for it, so nothing was "
                    "written (rule: a generator node yields at least one chunk per output)"
                )
            return
        if not commit:
            self._abandon(stream)
            return
        try:
            self._finish_stream(stream.handle, stream.state)
        except BaseException:
            self._abandon(stream)
            raise
        stream.handle.close()
        self._invalidate_cache()
        logger.debug("wrote %s from %d chunks", self._stream_path(), stream.chunks)

    def _save_chunk(self, data: Any) -> None:
        """Append ``data`` to the open stream (the first chunk opens the write)."""
        stream = self._stream
        if stream is None:
            raise DatasetError(f"{self._stream_path()}: no stream of chunks is open")
        try:
            if stream.handle is None:
                stream.handle = self._fs.open(self._stream_path(), **self._stream_open_args())
                stream.state = self._start_stream(stream.handle, data)
            else:
                self._append_to_stream(stream.handle, stream.state, data)
        except BaseException:
            self.end_stream(commit=False)
            raise
        stream.chunks += 1

    def _abandon(self, stream: _Stream) -> None:
        """Drop an unfinished write: the target keeps its previous content (or stays absent)."""
        try:
            self._drop_stream(stream.state)
        finally:
            discard = getattr(stream.handle, "discard", None)
            if discard is not None:
                discard()
            else:  # a file system without atomic writes (warned when the dataset was built)
                stream.handle.close()

    def _stream_open_args(self) -> dict[str, Any]:
        """The dataset's ``fs_args.open_args_save`` (a block size, say) for a binary write."""
        text_only = ("mode", "newline", "encoding", "errors")
        args = getattr(self, "_fs_open_args_save", {}) or {}
        return {**{k: v for k, v in args.items() if k not in text_only}, "mode": "wb"}

    def _stream_path(self) -> str:
        return get_filepath_str(self._get_save_path(), self._protocol)

    def _start_stream(self, handle: Any, data: Any) -> Any:
        raise NotImplementedError

    def _append_to_stream(self, handle: Any, state: Any, data: Any) -> None:
        raise NotImplementedError

    def _finish_stream(self, handle: Any, state: Any) -> None:
        """Nothing to add after the last chunk (override for a footer)."""

    def _drop_stream(self, state: Any) -> None:
        """Release the format's state of an abandoned stream (override if it holds any)."""


class StreamedSavesHook:
    """Streams for the outputs of generator nodes (see the module docstring)."""

    def __init__(self) -> None:
        self._open: list[StreamedSaves] = []

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        # A run interrupted in this process (Ctrl-C is no Exception: Kedro calls no error
        # hook) may have left streams open: they are abandoned, never published by this run.
        self._abandon()
        # KedroSession gives the runner's class name, its repr (kedro run), or "None" (its
        # default, sequential)
        runner = str(run_params.get("runner"))
        streaming = [n.name for n in pipeline.nodes if inspect.isgeneratorfunction(n.func)]
        if streaming and runner != "None" and "SequentialRunner" not in runner:
            raise DatasetError(
                f"nodes {streaming} stream their outputs in chunks, which needs the sequential "
                f"runner, not {runner} (run without --runner)"
            )

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any) -> None:
        self._publish()  # the previous generator node has ended: its chunks are all saved
        if not inspect.isgeneratorfunction(node.func):
            return
        for name in node.outputs:
            # (None: not in the catalog; Kedro keeps it in memory, the last chunk)
            dataset = catalog.get(name, fallback_to_runtime_pattern=True)
            if isinstance(dataset, StreamedSaves):
                dataset.begin_stream()
                self._open.append(dataset)
            elif dataset is not None and not isinstance(dataset, MemoryDataset):
                self._abandon()
                raise DatasetError(
                    f"node '{node.name}' yields its outputs in chunks, but dataset '{name}' "
                    f"({type(dataset).__name__}) cannot append them: each chunk would replace "
                    "the last. Rule: a generator node's file outputs are the project's CSV or "
                    "Parquet datasets (user_score.datasets.pandas)."
                )

    @hook_impl
    def before_dataset_loaded(self) -> None:
        # Kedro loads a node's inputs before before_node_run: a node reading a streamed
        # file (monitoring's predictions@partitions) reads it published.
        self._publish()

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._publish()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._abandon()

    def _publish(self) -> None:
        streams, self._open = self._open, []
        for index, dataset in enumerate(streams):
            try:
                dataset.end_stream(commit=True)
            except BaseException:
                for rest in streams[index + 1 :]:
                    rest.end_stream(commit=False)
                raise

    def _abandon(self) -> None:
        streams, self._open = self._open, []
        for dataset in streams:
            dataset.end_stream(commit=False)
