"""Node timings in a hook, so nodes stay pure (no clocks inside them).

:class:`NodeTimingHook` logs how long each node took and, at the end of a run,
the slowest nodes (as kedro-viz's demo project does). Registered in
``settings.py``.
"""

from __future__ import annotations

import inspect
import logging
import time
from typing import Any

from kedro.framework.hooks import hook_impl

logger = logging.getLogger(__name__)

#: Slowest nodes listed at the end of a run.
SLOWEST = 5


class NodeTimingHook:
    """Wall time of every node of a run (``seconds``), logged as the run goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started: dict[str, float] = {}
        self._streaming: str | None = None

    @hook_impl
    def before_pipeline_run(self, run_params: Any, pipeline: Any, catalog: Any) -> None:
        self.seconds, self._started = {}, {}

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: Any) -> None:
        self._end_streaming()
        self._started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node: Any, catalog: Any, inputs: Any, outputs: Any) -> None:
        if inspect.isgeneratorfunction(node.func):
            # Kedro calls this before a generator node's chunks are made and saved: its
            # time ends when the next node loads or starts, or the run ends (saves included).
            self._streaming = node.name
            return
        self._record(node.name, "")

    @hook_impl
    def before_dataset_loaded(self) -> None:
        self._end_streaming()  # (the next node's inputs are not the generator's time)

    def _end_streaming(self) -> None:
        name, self._streaming = self._streaming, None
        if name is not None:
            self._record(name, " (its chunks and their saves)")

    def _record(self, name: str, note: str) -> None:
        started = self._started.pop(name, None)
        if started is not None:
            self.seconds[name] = time.perf_counter() - started
            logger.info("node %s took %.2f s%s", name, self.seconds[name], note)

    @hook_impl
    def after_pipeline_run(self, run_params: Any, run_result: Any, pipeline: Any, catalog: Any):
        self._end_streaming()
        if not self.seconds:
            return
        slowest = sorted(self.seconds.items(), key=lambda item: item[1], reverse=True)[:SLOWEST]
        logger.info(
            "node time %.1f s; slowest: %s",
            sum(self.seconds.values()),
            ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest),
        )
