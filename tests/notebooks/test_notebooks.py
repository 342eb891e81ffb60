"""Every notebook in notebooks/ runs headless in a real Jupyter kernel, and is committed clean.

The notebooks run in a copy of the project in which the default pipeline already
ran once (``demo_run_project``), so they read finished results through the Kedro
catalog instead of re-running heavy pipelines. Executed copies are saved to
``test-artifacts/notebooks/`` for inspection.
"""

import asyncio
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.conftest import PROJECT_ROOT, kedro_child_env

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ARTIFACT_DIR = PROJECT_ROOT / "test-artifacts" / "notebooks"
KERNEL = "python3"  # ipykernel's spec, installed into .venv by the dev extra
CELL_TIMEOUT = 300
PARALLEL_KERNELS = 2
# A notebook reads data through the catalog, never from a path of its own.
HARD_CODED_IO = re.compile(
    r"""(pd\.read_\w+|\bopen\(|\.to_(csv|parquet)\(|["'](\.\./)?data/|["']s3://|/work/)"""
)


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


@pytest.fixture(scope="session")
def notebook_project(demo_run_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the finished demo run with this checkout's notebooks in its notebooks/ folder.

    A copy (about 10 MB): notebook 04 scores and monitors more days, which must not
    change the shared finished run other tests read.
    """
    project = tmp_path_factory.mktemp("notebooks") / "project"
    shutil.copytree(demo_run_project, project, ignore=shutil.ignore_patterns("build", "notebooks"))
    shutil.copytree(NOTEBOOK_DIR, project / "notebooks")
    return project


def test_there_is_a_notebook_for_each_topic():
    topics = ("eda", "feature", "model", "monitoring")
    names = [path.stem for path in NOTEBOOKS]
    assert all(any(topic in name for name in names) for topic in topics), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; strip them"
    assert not {"widgets", "execution"} & set(notebook.metadata), "strip run metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_uses_the_kedro_extension_and_no_paths(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code and code[0].strip() == "%load_ext kedro.ipython"
    offending = [line for cell in code for line in cell.splitlines() if HARD_CODED_IO.search(line)]
    assert not offending, f"{path.name} reads or writes files itself: {offending}"
    assert any("catalog.load(" in cell for cell in code)


async def _execute_all(project: Path) -> dict[str, tuple[nbformat.NotebookNode, str | None]]:
    """Run every notebook, two kernels at a time (CI has two cores), the last first.

    The last, the monitoring walkthrough, takes longest (it scores and monitors
    days): started first, the two kernels end close together. Each kernel is a
    ``kedro`` child process as the default install sees it (``kedro_child_env``).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    slots = asyncio.Semaphore(PARALLEL_KERNELS)

    async def execute(path: Path) -> tuple[nbformat.NotebookNode, str | None]:
        notebook = nbformat.read(project / "notebooks" / path.name, as_version=4)
        client = NotebookClient(
            notebook,
            kernel_name=KERNEL,
            timeout=CELL_TIMEOUT,
            resources={"metadata": {"path": str(project / "notebooks")}},
        )
        async with slots:
            try:
                # stops at the first cell that raises
                await client.async_execute(env=kedro_child_env())
            except CellExecutionError as error:
                return notebook, str(error)
        return notebook, None

    order = NOTEBOOKS[::-1]
    results = await asyncio.gather(*(execute(path) for path in order))
    return {path.name: result for path, result in zip(order, results, strict=True)}


@pytest.fixture(scope="session")
def executed_notebooks(
    notebook_project: Path,
) -> dict[str, tuple[nbformat.NotebookNode, str | None]]:
    """Every notebook executed once in a real kernel; copies in test-artifacts/notebooks/."""
    results = asyncio.run(_execute_all(notebook_project))
    ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
    for name, (notebook, _) in results.items():
        nbformat.write(notebook, ARTIFACT_DIR / name)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_a_real_kernel(path: Path, executed_notebooks):
    notebook, error = executed_notebooks[path.name]
    if error:
        pytest.fail(
            f"{path.name} (executed copy in {ARTIFACT_DIR}): {error}"[-5000:], pytrace=False
        )
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count is not None for cell in code), "some cells never ran"
