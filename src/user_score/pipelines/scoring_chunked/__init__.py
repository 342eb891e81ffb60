"""``scoring_chunked``: the ``scoring`` pipeline's day read, scored and written in blocks."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
