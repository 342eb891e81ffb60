"""Simulation: daily batch_input partitions and delayed actuals from the demo generator."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
