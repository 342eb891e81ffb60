"""What a run guards while it writes, and the guard it holds on them.

:data:`LOCKED_OUTPUTS` lists the outputs that one run at a time may write.
:class:`RunGuard` (used by :class:`user_score.hooks.RunGuardHook`) takes a
:class:`~user_score.reliability.locks.FileRunLock` on the location of each
such output of the pipeline for the whole run, and releases them when the run
ends, whether it succeeded or failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kedro.pipeline.transcoding import TRANSCODING_SEPARATOR

from user_score.catalog import dataset_location

from .locks import FileRunLock

logger = logging.getLogger(__name__)

#: Outputs that one run at a time may write, and how long a second run waits
#: for the lock before it is refused (0: refuse at once). A name covers every
#: transcoded form of the dataset (``predictions`` locks ``predictions@csv``).
LOCKED_OUTPUTS: dict[str, float] = {
    # One scoring run per run_date: the location contains dt=YYYY-MM-DD, so
    # runs for different dates take different locks and run side by side.
    "predictions": 0.0,
    # monitoring_history is read, upserted and rewritten by every monitoring
    # run (whatever its date): runs wait for each other instead of losing rows.
    "monitoring_history": 600.0,
}


def output_locations(pipeline: Any, catalog: Any, names: Any) -> Iterator[tuple[str, str]]:
    """``(name, location)`` of each output of ``pipeline`` named in ``names``, sorted by name."""
    # A transcoded output (predictions@csv) is found under its dataset's name.
    outputs = {output.split(TRANSCODING_SEPARATOR)[0]: output for output in pipeline.all_outputs()}
    for name in sorted(names):
        if name not in outputs:
            continue
        try:
            location = dataset_location(catalog[outputs[name]]) or name
        except Exception:
            location = name
        if "://" not in location:
            location = str(Path(location).absolute())
        yield name, location


class RunGuard:
    """The locks one run holds on the outputs it must write alone."""

    def __init__(self) -> None:
        self._locks: list[FileRunLock] = []

    def acquire(self, pipeline: Any, catalog: Any, run_params: dict[str, Any]) -> None:
        """Lock every guarded output of ``pipeline``; all or nothing."""
        try:
            for name, location in output_locations(pipeline, catalog, LOCKED_OUTPUTS):
                lock = FileRunLock(name, location, LOCKED_OUTPUTS[name])
                lock.acquire(run_params)
                self._locks.append(lock)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Release everything this run holds (idempotent)."""
        while self._locks:
            self._locks.pop().release()
