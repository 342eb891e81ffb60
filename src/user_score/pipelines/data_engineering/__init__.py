"""Raw Metacritic catalog -> validated clean games, quarantine and model input table."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
