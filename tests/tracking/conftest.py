"""A project copy with tracking on: data_engineering, then two small training runs.

Shared by the tracking tests (module scope per test module, built once); the
training budget is the tiny one of tests/pipelines/training/conftest.py
(TINY_TRAINING).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_project, run_session
from tests.pipelines.training.conftest import TINY_TRAINING


def tracked_run(project: Path, pipeline: str, params: dict[str, Any] | None = None) -> None:
    """``run_session`` with ``USER_SCORE_TRACKING=on`` (the suite's default is off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("USER_SCORE_TRACKING", "on")
        run_session(project, pipeline, params)


def store_uri(project: Path) -> str:
    return f"sqlite:///{project / 'data/mlflow/mlflow.db'}"


class _Messages(logging.Handler):
    """Keeps every message of a logger (the console summary's, which does not propagate)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


#: The console summaries of the tracked runs of :func:`trained_twice`, in order.
SUMMARIES: list[str] = []


@pytest.fixture(scope="session")
def trained_twice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tracked project copy after data_engineering and two training runs (versions 1, 2).

    The tracking tests run on one xdist worker (resource group ``tracking``,
    tests/conftest.py), so the three runs are made once per suite.
    """
    pytest.importorskip("kedro_mlflow", reason="the tracking extra is not installed")
    project = copy_project(tmp_path_factory.mktemp("tracked") / "project")
    console = logging.getLogger("user_score.console")
    handler = _Messages()
    console.addHandler(handler)
    try:
        tracked_run(project, "data_engineering")
        for _ in range(2):
            tracked_run(project, "training", {"training": TINY_TRAINING})  # tracking, not the model
    finally:
        console.removeHandler(handler)
    SUMMARIES[:] = [m for m in handler.messages if "user-score run:" in m]
    return project
