"""Monitoring: drift, delayed-label performance, estimated performance, status and report."""

from .pipeline import create_pipeline
from .reference import create_reference_pipeline

__all__ = ["create_pipeline", "create_reference_pipeline"]
