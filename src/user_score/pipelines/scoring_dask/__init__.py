"""``scoring_dask``: the ``scoring`` pipeline's day scored on a Dask cluster (docs/dask.md)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
