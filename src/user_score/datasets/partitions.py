"""Partitioned datasets with atomic partitions (``user_score.datasets.partitions.*``).

* :class:`PartitionedDataset` -- kedro-datasets' ``PartitionedDataset`` that
  accepts only an atomic partition type (``user_score.datasets.*``), so every
  partition it writes is complete or absent, and that lists and deletes
  through the project's bounded file system.
* :class:`OptionalPartitionedDataset` -- the same, for folders that may be
  empty: kedro-datasets raises ``No partitions found`` when its folder is
  empty or missing. For ``actuals`` that is a normal state (labels arrive
  7-14 days after the first scoring day), so monitoring must see "no labels
  yet", not a failed run; this subclass returns ``{}`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kedro.io.core import DatasetError, parse_dataset_definition
from kedro_datasets import partitions

from user_score.reliability.atomic_writes import AtomicWrites, atomic_filesystem


def _partition_type(dataset: Any) -> type:
    if isinstance(dataset, type):
        return dataset
    definition = dataset if isinstance(dataset, dict) else {"type": dataset}
    return parse_dataset_definition(definition)[0]


class PartitionedDataset(partitions.PartitionedDataset):
    """``partitions.PartitionedDataset`` whose partitions are saved atomically."""

    def __init__(self, *, path: str, dataset: Any, **kwargs: Any) -> None:
        partition_type = _partition_type(dataset)
        if not issubclass(partition_type, AtomicWrites):
            raise DatasetError(
                f"PartitionedDataset at {path}: partitions of type "
                f"{partition_type.__module__}.{partition_type.__qualname__} are not written "
                "atomically; use the project's type of the same name "
                "(e.g. user_score.datasets.pandas.CSVDataset instead of pandas.CSVDataset)."
            )
        super().__init__(path=path, dataset=dataset, **kwargs)

    @property
    def _filesystem(self) -> Any:
        # Listing and deleting with the project's file system (bounded S3 retries).
        return atomic_filesystem(super()._filesystem)


class OptionalPartitionedDataset(PartitionedDataset):
    """A ``PartitionedDataset`` whose load returns ``{}`` when there are no partitions."""

    def load(self) -> dict[str, Callable[[], Any]]:
        self.release()  # forget a cached listing: the folder may have changed since
        if not self.exists():
            return {}
        return super().load()
