"""What kedro-viz should draw, derived from the project's own pipeline registry."""

from pathlib import Path
from typing import Any

TRANSCODING_SEPARATOR = "@"


def registered_pipelines(project_path: Path) -> dict[str, Any]:
    """``kedro.framework.project.pipelines`` of the project at ``project_path``."""
    from kedro.framework.project import pipelines

    from tests.conftest import bootstrap

    bootstrap(project_path)
    return dict(pipelines)


def short_task_name(node: Any) -> str:
    """The label kedro-viz gives a task: its name without the namespace prefix."""
    if node.namespace and node.name.startswith(f"{node.namespace}."):
        return node.name[len(node.namespace) + 1 :]
    return node.name


def drawn_dataset_names(pipeline: Any) -> set[str]:
    """Datasets kedro-viz draws by default (parameters are hidden; namespaces kept)."""
    return {
        name.split(TRANSCODING_SEPARATOR)[0]
        for name in pipeline.datasets()
        if not name.startswith("params:") and name != "parameters"
    }


def drawn_names(pipeline: Any) -> set[str]:
    """Every label of the flowchart with all modular pipelines expanded."""
    return {short_task_name(node) for node in pipeline.nodes} | drawn_dataset_names(pipeline)
