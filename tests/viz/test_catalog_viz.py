"""The catalog and the pipelines stay viz-ready (no browser needed).

Everything is derived from the project's own pipeline registry and catalog
configuration, so a new pipeline or dataset is checked the day it lands.
"""

import graphlib
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_project
from tests.viz.registry import TRANSCODING_SEPARATOR, registered_pipelines, short_task_name

LAYERS = (
    "raw",
    "intermediate",
    "primary",
    "feature",
    "model_input",
    "models",
    "model_output",
    "reporting",
)
# kedro-datasets types whose kedro-viz preview is a table: they must say how many rows.
TABLE_TYPES = re.compile(r"(^|\.)(pandas\.(CSV|Parquet|Excel|JSON)Dataset|PreviewParquetDataset)$")
MAX_PREVIEW_ROWS = 20
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("viz_catalog") / "project")


@pytest.fixture(scope="module")
def pipelines(project) -> dict[str, Any]:
    return registered_pipelines(project)


@pytest.fixture(scope="module")
def catalog_config(project) -> dict[str, dict]:
    """The catalog entries (and dataset factories) as the config loader resolves them."""
    from kedro.framework.session import KedroSession

    with KedroSession.create(project_path=project) as session:
        config = session.load_context().config_loader["catalog"]
    return {name: entry for name, entry in config.items() if not name.startswith("_")}


@pytest.fixture(scope="module")
def entry_of(project):
    """``name -> catalog entry``: declared, or matched by a dataset factory (None: neither)."""
    from kedro.framework.session import KedroSession

    with KedroSession.create(project_path=project) as session:
        resolver = session.load_context().catalog.config_resolver

    def entry(name: str) -> dict | None:
        if name in resolver.config or resolver.match_dataset_pattern(name):
            return resolver.resolve_pattern(name)
        return None

    return entry


def _used_datasets(pipelines: dict[str, Any]) -> set[str]:
    """Every dataset a pipeline names, each transcoded form (``predictions@csv``) apart."""
    return {
        name
        for pipeline in pipelines.values()
        for name in pipeline.datasets()
        if not name.startswith("params:") and name != "parameters"
    }


def _viz_metadata(entry: dict | None) -> dict:
    return ((entry or {}).get("metadata") or {}).get("kedro-viz") or {}


def test_registry_has_the_project_pipelines(pipelines):
    # The four pipelines of the architecture; more (e.g. simulation) are welcome.
    assert {"__default__", "data_engineering", "training"} <= set(pipelines)
    assert all(len(pipeline.nodes) for pipeline in pipelines.values())


def test_every_dataset_of_every_pipeline_is_declared_with_a_layer(pipelines, entry_of):
    problems = []
    for name in sorted(_used_datasets(pipelines)):
        entry = entry_of(name)
        if entry is None:
            problems.append(f"{name}: neither declared nor matched by a dataset factory")
        elif _viz_metadata(entry).get("layer") not in LAYERS:
            problems.append(
                f"{name}: metadata.kedro-viz.layer is {_viz_metadata(entry).get('layer')!r}, "
                f"expected one of {LAYERS}"
            )
    assert not problems, "\n".join(problems)


def test_transcoded_forms_of_a_dataset_share_its_layer(pipelines, entry_of):
    """kedro-viz draws ``predictions@csv`` and ``predictions@partitions`` as one node."""
    layers: dict[str, set[str]] = {}
    for name in _used_datasets(pipelines):
        layers.setdefault(name.split(TRANSCODING_SEPARATOR)[0], set()).add(
            _viz_metadata(entry_of(name)).get("layer")
        )
    assert {name: found for name, found in layers.items() if len(found) > 1} == {}


def test_modular_pipelines_keep_their_files_public(pipelines, entry_of):
    """Namespaces group nodes into one kedro-viz box each; only in-memory hand-offs get
    the namespace prefix, every file keeps the public name notebooks and docs load."""
    namespaces = {node.namespace for node in pipelines["__default__"].nodes} - {None}
    assert {"data_engineering", "training"} <= namespaces
    problems = []
    for name in sorted(_used_datasets(pipelines)):
        in_memory = (entry_of(name) or {}).get("type") == "MemoryDataset"
        if name.split(".")[0] in namespaces and not in_memory:
            problems.append(f"{name}: a file under a namespaced name")
    assert not problems, "\n".join(problems)


def test_every_declared_dataset_has_a_layer(catalog_config):
    """Also catalog entries no pipeline uses yet (they are drawn as soon as one does)."""
    missing = [n for n, e in catalog_config.items() if _viz_metadata(e).get("layer") not in LAYERS]
    assert not missing, f"catalog entries without a kedro-viz layer: {missing}"


def _flows(pipeline: Any) -> Iterator[tuple[str, str, str]]:
    """``(source, via, target)`` for every way data flows in kedro-viz's graph: through a
    node, and through each collapsed modular pipeline, from every input of the box to
    every output (as kedro-viz computes them, so the layer bands survive collapsing)."""
    for node in pipeline.nodes:
        for source in node.inputs:
            for target in node.outputs:
                yield source, node.name, target
    for namespace in sorted({node.namespace for node in pipeline.nodes} - {None}):
        box = pipeline.only_nodes_with_namespaces([namespace])
        rest = pipeline - box
        outputs = box.outputs() | (rest.inputs() & box.all_outputs())
        for source in box.inputs():
            for target in outputs:
                yield source, f"[{namespace}]", target


def test_layers_have_no_cycle(pipelines, entry_of):
    """kedro-viz hides every layer band when data flows 'back' to an earlier layer."""
    graph: dict[str, set[str]] = {}
    edges: dict[tuple[str, str], str] = {}
    for pipeline in pipelines.values():
        for source, via, target in _flows(pipeline):
            before = _viz_metadata(entry_of(source)).get("layer")
            after = _viz_metadata(entry_of(target)).get("layer")
            if before and after and before != after:
                graph.setdefault(after, set()).add(before)
                edges.setdefault((before, after), f"{source} -> {via} -> {target}")
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        cycle = error.args[1]
        path = [edges[(a, b)] for a, b in itertools.pairwise(cycle) if (a, b) in edges]
        pytest.fail(f"layer cycle {' -> '.join(cycle)}; via {path}")


def test_tables_preview_a_few_rows(catalog_config):
    problems = []
    for name, entry in sorted(catalog_config.items()):
        if not TABLE_TYPES.search(str(entry.get("type", ""))):
            continue
        meta = _viz_metadata(entry)
        rows = (meta.get("preview_args") or {}).get("nrows")
        if meta.get("preview") is False:
            problems.append(f"{name}: preview disabled")
        elif not isinstance(rows, int) or not 0 < rows <= MAX_PREVIEW_ROWS:
            problems.append(f"{name}: preview_args.nrows is {rows!r} (want 1..{MAX_PREVIEW_ROWS})")
    assert not problems, "\n".join(problems)


def test_no_preview_is_switched_off(catalog_config):
    """Metrics JSON and plotly charts preview in the side panel unless someone disables it."""
    disabled = [n for n, e in catalog_config.items() if _viz_metadata(e).get("preview") is False]
    assert not disabled


def test_nodes_have_readable_explicit_names(pipelines):
    problems = []
    for pid, pipeline in sorted(pipelines.items()):
        for node in pipeline.nodes:
            name = short_task_name(node)
            if not SNAKE_CASE.match(name):  # Kedro's generated names look like f([a,b]) -> [c]
                problems.append(f"{pid}: node {node.name!r} needs an explicit snake_case name")
    assert not problems, "\n".join(sorted(set(problems)))


def test_task_names_are_unique_within_a_namespace(pipelines):
    """kedro-viz labels a task by its short name: repeats need a namespace to tell them apart."""
    seen: dict[tuple[str | None, str], str] = {}
    clashes = []
    for pipeline in pipelines.values():
        for node in pipeline.nodes:
            key = (node.namespace, short_task_name(node))
            if seen.setdefault(key, node.name) != node.name:
                clashes.append(f"{seen[key]} / {node.name}")
    assert not clashes


def test_registered_pipeline_names_are_readable(pipelines):
    assert all(pid == "__default__" or SNAKE_CASE.match(pid) for pid in pipelines)
