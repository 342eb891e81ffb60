"""Shared fixtures: project paths, the real reference file, isolated Kedro sessions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from filelock import FileLock

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
# With the tracking extra installed (the dev extra has it), runs record nothing in
# MLflow unless a test turns it on (tests/tracking): no store per project copy, no
# MLflow import in every `kedro` child process.
os.environ.setdefault("USER_SCORE_TRACKING", "off")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "nintendo_games.csv"
DEMO_CATALOG = PROJECT_ROOT / "data" / "01_raw" / "games_catalog.csv"
#: The ``kedro`` command of the interpreter running the tests.
KEDRO = str(Path(sys.executable).parent / "kedro")
PLAIN_LOGGING = Path(__file__).resolve().parent / "logging_plain.yml"
#: ``PYTHONPATH`` folder of child processes: the default install, no tracking extra.
DEFAULT_INSTALL = Path(__file__).resolve().parent / "default_install"


def kedro_child_env(extra: dict[str, str] | None = None, base: dict[str, str] | None = None):
    """Environment for a ``kedro`` child process whose output a test reads.

    Its logging is plain (``tests/logging_plain.yml``: one unwrapped line per
    record, Python's own tracebacks), so what a test searches for never depends
    on the terminal width or on the length of a temporary path. It runs as the
    default install (``make install``: no ``tracking`` extra; see
    ``tests/default_install/sitecustomize.py``); the tracking tests run
    in-process, where the extra is installed.
    """
    environ = os.environ if base is None else base
    path = os.pathsep.join(p for p in (str(DEFAULT_INSTALL), environ.get("PYTHONPATH")) if p)
    return {
        **environ,
        "KEDRO_DISABLE_TELEMETRY": "1",
        "DO_NOT_TRACK": "1",
        "KEDRO_LOGGING_CONFIG": str(PLAIN_LOGGING),
        "PYTHONPATH": path,
        **(extra or {}),
    }


def kedro_cli(
    project: Path, *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``kedro run ARGS`` in ``project`` as a child process, its output captured as text."""
    return subprocess.run(
        [KEDRO, "run", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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


def bootstrap(project_path: Path) -> None:
    """``bootstrap_project`` for in-process sessions, once per test process.

    Every project copy is the same ``user_score`` package with the same settings
    module, so configuring its settings again changes nothing, and it is not free: Kedro's
    settings loader (dynaconf) calls ``inspect.stack()`` each time, ~0.5 s under
    pytest's deep call stacks (profile of tests/test_backfill.py: 13 bootstraps,
    7.2 s).
    """
    from kedro.framework import project
    from kedro.framework.startup import bootstrap_project

    if project.PACKAGE_NAME != "user_score":
        bootstrap_project(project_path)
    else:  # the rest of configure_project: pipelines found afresh, none requested yet
        project.pipelines.configure("user_score.pipeline_registry")


def run_session(
    project_path: Path,
    pipeline_name: str | None = None,
    runtime_params: dict[str, Any] | None = None,
    env: str | None = None,
) -> dict[str, Any]:
    """Run a real ``KedroSession`` in ``project_path`` (like ``kedro run``)."""
    from kedro.framework.session import KedroSession

    bootstrap(project_path)
    with KedroSession.create(
        project_path=project_path, env=env, runtime_params=runtime_params or {}
    ) as session:
        return session.run(pipeline_names=[pipeline_name] if pipeline_name else None)


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


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A directory ``build`` fills once per test run, shared by every xdist worker.

    The first worker to ask builds it under a file lock in the run's common
    temporary directory; the others wait and reuse it (read-only, like a
    session fixture). Without xdist this is a plain session-scoped build.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # pytest-of-<user>/pytest-<n>/, common to the workers
    target = root / f"shared-{name}"
    with FileLock(str(root / f"shared-{name}.lock")):
        if not (target / ".built").exists():
            shutil.rmtree(target, ignore_errors=True)
            build(target)
            (target / ".built").touch()
    return target


def demo_run_training() -> dict[str, Any]:
    """The ``training`` overrides :func:`demo_run_project`'s run is given (``{}``: the YAML's)."""
    from tests.pipelines.training.conftest import demo_run_budget
    from tests.viz.doc_images import writing_doc_images

    return {} if writing_doc_images() else demo_run_budget()


def project_context(project_path: Path, env: str | None = None) -> Any:
    """The loaded Kedro context of a project copy in ``env`` (no run)."""
    from kedro.framework.session import KedroSession

    bootstrap(project_path)
    with KedroSession.create(project_path=project_path, env=env) as session:
        return session.load_context()


def project_catalog(project_path: Path, env: str | None = None) -> Any:
    """The Kedro catalog of a project copy, as ``kedro run`` builds it (to load its outputs)."""
    return project_context(project_path, env).catalog


@pytest.fixture(scope="session")
def demo_run_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy in which the default pipeline (``kedro run``) ran once on the demo data.

    Shared, read-mostly, by tests that inspect a finished run (tests/viz,
    tests/notebooks, backfill, quality) so the suite pays for one default run
    only, across xdist workers too (:func:`built_once`). Training runs on a
    small budget (``demo_run_budget``: every candidate and protocol, three folds
    of (a), one draw of (b), one tuning config; ~15 s of training instead of
    ~85 s): its users check what follows training, not training's numbers, which
    are checked on the real file with the default budget. ``make doc-images``
    (``USER_SCORE_WRITE_DOC_IMAGES=1``) draws the README's pictures from exactly
    the default run.
    ``USER_SCORE_TEST_DEMO_RUN=<finished project copy>`` reuses one while iterating.
    """
    if os.environ.get("USER_SCORE_TEST_DEMO_RUN"):
        return Path(os.environ["USER_SCORE_TEST_DEMO_RUN"])
    training = demo_run_training()
    params = {"training": training} if training else {}

    def build(target: Path) -> None:
        run_session(copy_project(target / "project"), runtime_params=params)

    return built_once(tmp_path_factory, "demo_run", build) / "project"


# --------------------------------------------------------------------------- xdist scheduling
#: Modules sharing one server, browser or expensive project per worker: each set runs
#: on one worker.
RESOURCE_GROUPS = {
    "s3": (
        "tests/s3/",
        "tests/reliability/test_atomic_s3.py",
        "tests/notebooks/test_notebooks_s3.py",
    ),
    "browser": ("tests/viz/test_viz_browser.py", "tests/viz/test_doc_images.py"),
    # one tracked project trained twice (tests/tracking/conftest.py), built once
    "tracking": ("tests/tracking/",),
}


def _module(nodeid: str) -> str:
    return nodeid.split("::", maxsplit=1)[0]


def xdist_unit(nodeid: str) -> str:
    """The xdist work unit of a test: its resource group, or else its module."""
    module = _module(nodeid)
    for group, prefixes in RESOURCE_GROUPS.items():
        if module.startswith(prefixes):
            return group
    return module


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check the resource groups and put the slow work first.

    A test marked ``s3`` or ``browser`` outside :data:`RESOURCE_GROUPS` would
    start its own server or browser on any worker: collection stops naming it.
    Groups holding a ``slow`` test go first (the resource groups before all), so
    under ``make test`` the longest work starts while short tests fill the other
    workers. Without xdist nothing changes but the order.
    """
    stray = sorted(
        {
            _module(item.nodeid)
            for item in items
            for group in RESOURCE_GROUPS
            if item.get_closest_marker(group) and xdist_unit(item.nodeid) != group
        }
    )
    if stray:
        raise pytest.UsageError(f"add {stray} to RESOURCE_GROUPS in tests/conftest.py")
    slow = {xdist_unit(item.nodeid) for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        group = xdist_unit(item.nodeid)
        return 0 if group in RESOURCE_GROUPS else 1 if group in slow else 2

    items.sort(key=rank)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """``USER_SCORE_TEST_TIMELINE=<file>``: one JSON line per test (worker, test, start, end).

    The worker timeline of a ``make test`` run (setup and teardown included): where
    each worker waits or idles, to balance the work units above.
    """
    timeline = os.environ.get("USER_SCORE_TEST_TIMELINE")
    start = time.time()
    yield
    if timeline:
        line = {
            "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
            "test": item.nodeid,
            "start": start,
            "end": time.time(),
        }
        with open(timeline, "a", encoding="utf-8") as out:  # one short append per line
            out.write(json.dumps(line) + "\n")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` (``make test``): one work unit per :func:`xdist_unit`.

    xdist's own loadgroup reads ``xdist_group`` marks through a node-id suffix
    that pytest 9.2 no longer keeps (pytest-dev/pytest-xdist#1386), so the
    grouping is done here, where the scheduler splits node ids into units.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_unit(nodeid)

    return GroupScheduling(config, log)
