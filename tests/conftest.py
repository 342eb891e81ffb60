"""Shared fixtures: project paths, the real reference file, isolated Kedro sessions."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "nintendo_games.csv"
DEMO_CATALOG = PROJECT_ROOT / "data" / "01_raw" / "games_catalog.csv"
#: The ``kedro`` command of the interpreter running the tests.
KEDRO = str(Path(sys.executable).parent / "kedro")
PLAIN_LOGGING = Path(__file__).resolve().parent / "logging_plain.yml"


def kedro_child_env(extra: dict[str, str] | None = None, base: dict[str, str] | None = None):
    """Environment for a ``kedro`` child process whose output a test reads.

    Its logging is plain (``tests/logging_plain.yml``: one unwrapped line per
    record, Python's own tracebacks), so what a test searches for never depends
    on the terminal width or on the length of a temporary path.
    """
    return {
        **(os.environ if base is None else base),
        "KEDRO_DISABLE_TELEMETRY": "1",
        "DO_NOT_TRACK": "1",
        "KEDRO_LOGGING_CONFIG": str(PLAIN_LOGGING),
        **(extra or {}),
    }


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def real_data_path() -> Path:
    """The real 1,026-row file; CI always has it, elsewhere its absence skips."""
    if not REAL_DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide the real data file at {REAL_DATA}")
        pytest.skip(f"real data file not found at {REAL_DATA}")
    return REAL_DATA


def quality_inputs() -> dict[str, Any]:
    """What the data-quality nodes add to data_engineering and scoring, as a first run sees it.

    No previous profile, and the thresholds of ``conf/base`` (for in-memory
    runs of those pipelines; a Kedro session reads them from the catalog).
    """
    base = PROJECT_ROOT / "conf" / "base"
    engineering = yaml.safe_load((base / "parameters_data_engineering.yml").read_text())
    scoring = yaml.safe_load((base / "parameters_scoring.yml").read_text())
    return {
        "raw_games_quality_previous": {},
        "batch_input_quality_history": {},
        "params:data_engineering.quality": engineering["data_engineering"]["quality"],
        "params:scoring.quality": scoring["scoring"]["quality"],
    }


def quality_datasets() -> dict[str, Any]:
    """:func:`quality_inputs` as ``MemoryDataset`` entries of an in-memory ``DataCatalog``."""
    from kedro.io import MemoryDataset

    return {name: MemoryDataset(value) for name, value in quality_inputs().items()}


def copy_project(destination: Path) -> Path:
    """Copy what a Kedro session needs (config, demo data, metadata) to ``destination``.

    Tests run sessions in such a copy so they never touch the developer's ``data/``.
    """
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", destination / "pyproject.toml")
    shutil.copy(PROJECT_ROOT / ".telemetry", destination / ".telemetry")
    shutil.copytree(
        PROJECT_ROOT / "conf",
        destination / "conf",
        ignore=shutil.ignore_patterns("credentials*.yml"),
    )
    (destination / "src").mkdir(exist_ok=True)  # the package itself is installed
    for layer in sorted((PROJECT_ROOT / "data").iterdir()):
        if layer.is_dir():
            (destination / "data" / layer.name).mkdir(parents=True, exist_ok=True)
    shutil.copy(
        os.environ.get("USER_SCORE_TEST_DEMO", DEMO_CATALOG),
        destination / "data" / "01_raw" / DEMO_CATALOG.name,
    )
    return destination


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throw-away copy of the project to run real Kedro sessions in."""
    return copy_project(tmp_path / "project")


def run_session(
    project_path: Path,
    pipeline_name: str | None = None,
    runtime_params: dict[str, Any] | None = None,
    env: str | None = None,
) -> dict[str, Any]:
    """Run a real ``KedroSession`` in ``project_path`` (like ``kedro run``)."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project_path)
    with KedroSession.create(
        project_path=project_path, env=env, runtime_params=runtime_params or {}
    ) as session:
        return session.run(pipeline_name=pipeline_name)


@pytest.fixture
def kedro_run() -> Callable[..., dict[str, Any]]:
    return run_session


def data_files(project_path: Path) -> list[str]:
    """Every data file a run left in ``project_path/data`` (the demo catalog excluded)."""
    return sorted(
        str(path.relative_to(project_path))
        for path in (project_path / "data").rglob("*")
        if path.is_file() and path.name != DEMO_CATALOG.name
    )


@pytest.fixture(scope="session")
def demo_run_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy in which the default pipeline (``kedro run``) ran once on the demo data.

    Shared, read-mostly, by tests that inspect a finished run (tests/viz,
    tests/notebooks) so the suite pays for one default run only.
    ``USER_SCORE_TEST_DEMO_RUN=<finished project copy>`` reuses one while iterating.
    """
    if os.environ.get("USER_SCORE_TEST_DEMO_RUN"):
        return Path(os.environ["USER_SCORE_TEST_DEMO_RUN"])
    project = copy_project(tmp_path_factory.mktemp("demo_run") / "project")
    run_session(project)
    return project
