"""``PartitionedDataset`` that may be empty (for labels that have not arrived yet).

kedro-datasets' ``PartitionedDataset`` raises ``No partitions found`` when its
folder is empty or missing. For ``actuals`` that is a normal state (labels
arrive 7-14 days after the first scoring day), so monitoring must see "no
labels yet", not a failed run. This subclass returns ``{}`` instead; it is
otherwise identical (lazy loaders, one file per ``dt=YYYY-MM-DD`` folder).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kedro_datasets.partitions import PartitionedDataset


class OptionalPartitionedDataset(PartitionedDataset):
    """A ``PartitionedDataset`` whose load returns ``{}`` when there are no partitions."""

    def load(self) -> dict[str, Callable[[], Any]]:
        self.release()  # forget a cached listing: the folder may have changed since
        if not self.exists():
            return {}
        return super().load()
