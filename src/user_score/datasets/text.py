"""Atomic ``text.TextDataset`` (catalog type ``user_score.datasets.text.TextDataset``)."""

from __future__ import annotations

from kedro_datasets import text

from user_score.reliability.atomic_writes import AtomicWrites


class TextDataset(AtomicWrites, text.TextDataset):
    """``text.TextDataset`` whose saves are atomic."""
