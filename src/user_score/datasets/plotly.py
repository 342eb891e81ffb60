"""Atomic ``plotly.JSONDataset`` (catalog type ``user_score.datasets.plotly.JSONDataset``)."""

from __future__ import annotations

from kedro_datasets import plotly

from user_score.reliability.atomic_writes import AtomicWrites


class JSONDataset(AtomicWrites, plotly.JSONDataset):
    """``plotly.JSONDataset`` whose saves are atomic."""
