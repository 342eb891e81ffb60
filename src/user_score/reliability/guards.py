"""What a run guards while it writes, and the guard it holds on them.

One run at a time may write each guarded output partition. :class:`RunGuard`
(used by :class:`user_score.hooks.RunGuardHook`) takes, for each guarded
output of the pipeline, for the whole run:

* a host-local file lock (:class:`~.locks.FileRunLock`) when the output is a
  local file: :data:`LOCKED_OUTPUTS`;
* a lease object next to the data (:class:`~.leases.S3Lease`), renewed while
  the run lives, when the output is on S3 -- several machines share the store,
  so a lock on one of them would not do: :data:`LEASED_OUTPUTS`.

Everything is released when the run ends, whether it succeeded or failed; a
lease that cannot be released (the store is down) expires by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kedro.pipeline.transcoding import TRANSCODING_SEPARATOR

from . import storage
from .leases import LeaseKeeper, LeaseSettings, S3Lease, holder_identity
from .locks import FileRunLock
from .storage import dataset_location

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

#: Outputs on S3 that one run at a time may write, each through one lease per
#: location (per day: the locations contain dt=YYYY-MM-DD). A second run is
#: refused at once. monitoring_history needs no lease on S3: it is updated with
#: compare-and-swap (user_score.datasets.pandas.UpsertCSVDataset), so monitoring
#: runs for different days run side by side; monitoring_status guards one day.
LEASED_OUTPUTS: tuple[str, ...] = ("predictions", "monitoring_status")


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
    """The locks and leases one run holds on the outputs it must write alone."""

    def __init__(self, lease_settings: LeaseSettings | None = None) -> None:
        self.lease_settings = lease_settings or LeaseSettings()
        self._locks: list[FileRunLock] = []
        self._leases: list[S3Lease] = []
        self._keeper: LeaseKeeper | None = None

    def acquire(self, pipeline: Any, catalog: Any, run_params: dict[str, Any]) -> None:
        """Lock or lease every guarded output of ``pipeline``; all or nothing."""
        guarded = set(LOCKED_OUTPUTS) | set(LEASED_OUTPUTS)
        try:
            for name, location in output_locations(pipeline, catalog, guarded):
                if storage.split_s3_url(location) is not None:
                    if name in LEASED_OUTPUTS:
                        self._lease(name, location, run_params)
                elif name in LOCKED_OUTPUTS:
                    lock = FileRunLock(name, location, LOCKED_OUTPUTS[name])
                    lock.acquire(run_params)
                    self._locks.append(lock)
        except BaseException:
            self.release()
            raise
        if self._leases:
            self._keeper = LeaseKeeper(self._leases, self.lease_settings)
            self._keeper.start()

    def _lease(self, name: str, location: str, run_params: dict[str, Any]) -> None:
        lease = S3Lease(
            storage.s3_filesystem(),
            name,
            location,
            self.lease_settings,
            holder_identity(run_params),
        )
        try:
            lease.acquire()
        except Exception as exc:
            error = storage.storage_error(exc, lease.url, operation="taking the run lease")
            if error is None:
                raise
            raise error from exc
        self._leases.append(lease)

    def check(self) -> None:
        """The fence: raise ``LeaseLostError`` if this run no longer holds a lease."""
        for lease in self._leases:
            lease.check()

    def release(self) -> None:
        """Release everything this run holds (idempotent)."""
        if self._keeper is not None:
            self._keeper.stop()
            self._keeper = None
        while self._leases:
            self._leases.pop().release()
        while self._locks:
            self._locks.pop().release()
