"""Every catalog entry that writes a file writes it atomically, in both environments.

Atomic writes belong to the project's dataset types (``user_score.datasets``),
not to a process-wide fsspec registration: so the guarantee holds only if
every file-writing entry of ``conf/base/catalog_*.yml`` (and each
partitioned entry's partitions) uses one of them. This test instantiates
every dataset of every registered pipeline, as ``kedro run`` would, and
fails naming each entry that would write through a plain file system.
"""

from __future__ import annotations

from typing import Any

import pytest
from kedro.io import MemoryDataset
from kedro.io.core import DatasetError

from tests.conftest import copy_project
from user_score.datasets.partitions import PartitionedDataset
from user_score.reliability.atomic_writes import AtomicWrites
from user_score.reliability.storage import configure_s3


def _writes_atomically(dataset: Any) -> bool:
    if getattr(type(dataset), "read_only", False):  # refuses every save (tested below)
        with pytest.raises(DatasetError, match="read-only"):
            dataset.save({})
        return True
    if isinstance(dataset, PartitionedDataset):  # refuses a non-atomic partition type
        return getattr(dataset._filesystem, "atomic_writes", False)
    return isinstance(dataset, AtomicWrites) and getattr(dataset._fs, "atomic_writes", False)


def _catalog_datasets(project, env: str) -> dict[str, Any]:
    from kedro.framework.project import pipelines

    from tests.conftest import project_context

    try:
        context = project_context(project, env)
        config = context.config_loader["catalog"]
        names = set().union(*(p.datasets() for p in dict(pipelines).values()))
        names |= {name for name in config if not name.startswith("_") and "{" not in name}
        catalog = context.catalog
        return {
            name: catalog[name]
            for name in sorted(names)
            if not name.startswith("params:") and name != "parameters" and name in catalog
        }
    finally:
        configure_s3("data", None, None)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("catalog_atomic") / "project")


@pytest.mark.parametrize("env", ["local", "s3"])
def test_no_catalog_entry_writes_without_atomic_writes(project, env):
    datasets = _catalog_datasets(project, env)
    persisted = {n: d for n, d in datasets.items() if not isinstance(d, MemoryDataset)}
    assert len(persisted) > 30, sorted(persisted)  # the catalog was really read
    plain = sorted(
        f"{name} ({type(dataset).__module__}.{type(dataset).__qualname__})"
        for name, dataset in persisted.items()
        if not _writes_atomically(dataset)
    )
    assert plain == [], (
        "catalog entries that would write without atomic writes; use the project's type "
        f"of the same name (user_score.datasets.*): {plain}"
    )


def test_a_partitioned_dataset_refuses_a_plain_partition_type(tmp_path):
    with pytest.raises(DatasetError, match=r"user_score\.datasets\.pandas\.CSVDataset"):
        PartitionedDataset(path=str(tmp_path), dataset="pandas.CSVDataset")
    atomic = PartitionedDataset(path=str(tmp_path), dataset="user_score.datasets.pandas.CSVDataset")
    assert _writes_atomically(atomic)
