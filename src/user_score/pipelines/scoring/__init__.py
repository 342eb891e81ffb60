"""Scoring: score one daily ``batch_input`` partition with the ``model`` artifact."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
