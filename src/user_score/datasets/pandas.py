"""Atomic pandas datasets (catalog types ``user_score.datasets.pandas.*``).

Each class is the kedro-datasets class of the same name with
:class:`~user_score.reliability.atomic.AtomicWrites` mixed in: a save leaves
the previous complete file (or none), never a truncated one. Arguments,
loading, previews and versioning are kedro-datasets' own.
"""

from __future__ import annotations

from kedro_datasets import pandas

from user_score.reliability.atomic import AtomicWrites


class CSVDataset(AtomicWrites, pandas.CSVDataset):
    """``pandas.CSVDataset`` whose saves are atomic."""


class ParquetDataset(AtomicWrites, pandas.ParquetDataset):
    """``pandas.ParquetDataset`` whose saves are atomic."""
