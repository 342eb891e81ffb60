"""Atomic ``json.JSONDataset`` (catalog type ``user_score.datasets.json.JSONDataset``)."""

from __future__ import annotations

from kedro_datasets import json

from user_score.reliability.atomic_writes import AtomicWrites


class JSONDataset(AtomicWrites, json.JSONDataset):
    """``json.JSONDataset`` whose saves are atomic."""
