"""Training: honest evaluation of baselines vs LightGBM, one versioned model, reports."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
