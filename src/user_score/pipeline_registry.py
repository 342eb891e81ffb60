"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Every package under ``user_score/pipelines`` is found by ``find_pipelines``
    and registered under its own name (``kedro run --pipeline <name>``).

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects; ``__default__``
        runs them all.
    """
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(pipelines.values())
    return pipelines
