"""The pipeline registry: every edge of the default run is a dataset Kedro can see.

``kedro run`` must run data_engineering -> training -> simulation -> scoring ->
monitoring for run_date, and monitoring must list the daily partitions only
after run_date's files exist. Kedro orders nodes by the datasets they share
only, so each of these edges is checked as a dependency of Kedro's own graph
(not as an accident of the node order).
"""

from __future__ import annotations

import pytest
from kedro.framework.project import configure_project

from user_score.pipeline_registry import NOT_IN_DEFAULT, register_pipelines


@pytest.fixture(scope="module")
def pipelines():
    configure_project("user_score")
    return register_pipelines()


def depends_on(pipeline, node_name: str, upstream: str) -> bool:
    """Whether ``node_name`` runs after ``upstream`` because of a dataset between them."""
    ancestors = {node.name for node in pipeline.to_nodes(node_name).nodes}
    return upstream in ancestors and upstream != node_name


@pytest.mark.parametrize(
    ("node", "upstream", "edge"),
    [
        (
            "training.evaluate_grouped_kfold",
            "data_engineering.create_model_input_table",
            "model_input_table",
        ),
        ("build_reference_profile", "training.train_model", "model"),
        ("predict_batch", "training.train_model", "model"),
        ("validate_batch_input", "simulate_production", "batch_input"),
        ("select_monitoring_labels", "simulate_production", "actuals"),
        ("select_monitoring_predictions", "predict_batch", "predictions"),
        ("select_monitoring_features", "predict_batch", "scored_features"),
        ("compute_drift", "build_reference_profile", "reference_profile"),
        ("assess_performance", "train_performance_estimator", "performance_estimator"),
    ],
)
def test_the_default_run_orders_every_step_by_a_dataset(pipelines, node, upstream, edge):
    assert depends_on(pipelines["__default__"], node, upstream), f"{upstream} -{edge}-> {node}"


def test_monitoring_lists_the_partitions_scoring_and_simulation_write(pipelines):
    """Transcoding: the file scoring writes and the folder monitoring lists are one dataset."""
    scoring, monitoring = pipelines["scoring"], pipelines["monitoring"]
    written = {name.split("@")[0]: name for name in scoring.all_outputs()}
    read = {name.split("@")[0]: name for name in monitoring.inputs()}
    for dataset in ("predictions", "scored_features"):
        assert written[dataset].startswith(f"{dataset}@") and read[dataset] == (
            f"{dataset}@partitions"
        )
    assert "actuals" in pipelines["simulation"].all_outputs() and "actuals" in read
    # Nothing else stands between the pipelines: no pass-through (hand-over) nodes.
    default = pipelines["__default__"]
    assert len(default.nodes) == sum(
        len(pipeline.nodes)
        for name, pipeline in pipelines.items()
        if name != "__default__" and name not in NOT_IN_DEFAULT
    )


def test_scoring_dask_is_registered_but_not_in_the_default_run(pipelines):
    """It writes what scoring writes: both in one run would be two producers of a dataset."""
    assert "scoring_dask" in pipelines and "scoring_dask" in NOT_IN_DEFAULT
    assert not set(pipelines["scoring_dask"].nodes) & set(pipelines["__default__"].nodes)
    assert set(pipelines["scoring_dask"].all_outputs()) <= set(pipelines["scoring"].all_outputs())


def test_monitoring_alone_reads_only_files(pipelines):
    """``kedro run --pipelines monitoring`` (the scheduled job) needs no other pipeline."""
    inputs = {name for name in pipelines["monitoring"].inputs() if not name.startswith("params:")}
    assert inputs == {
        "predictions@partitions",
        "scored_features@partitions",
        "actuals",
        "reference_profile",
        "performance_estimator",
    }


def test_training_saves_monitorings_reference(pipelines):
    outputs = pipelines["training"].all_outputs()
    assert {"model", "reference_profile", "performance_estimator"} <= outputs


def test_rollback_is_registered_but_never_runs_by_default(pipelines):
    """``rollback`` replaces the current model: only ``--pipelines rollback`` runs it."""
    assert pipelines["rollback"].inputs() == {"registered_model"}
    assert pipelines["rollback"].all_outputs() == {
        "model",
        "reference_profile",
        "performance_estimator",
        "performance_estimator_metrics",
    }
    default_nodes = {node.name for node in pipelines["__default__"].nodes}
    assert not default_nodes & {node.name for node in pipelines["rollback"].nodes}


def test_a_pipeline_that_fails_to_import_fails_loudly(monkeypatch):
    """A broken pipeline package is an error, asked for by name or not (never skipped)."""
    import importlib

    from kedro.framework.project import pipelines as project_pipelines

    real_import = importlib.import_module

    def broken(name, *args, **kwargs):
        if name == "user_score.pipelines.scoring":
            raise SyntaxError("broken on purpose")
        return real_import(name, *args, **kwargs)

    configure_project("user_score")
    monkeypatch.setattr(importlib, "import_module", broken)
    for requested in (None, ["scoring"]):
        project_pipelines.set_requested(requested)
        try:
            with pytest.raises(ImportError, match=r"user_score\.pipelines\.scoring") as caught:
                register_pipelines()
        finally:
            project_pipelines.set_requested(None)
        assert isinstance(caught.value.__cause__, SyntaxError)


def test_a_typo_gets_kedros_suggestion(tmp_path):
    """``kedro run --pipelines trainig``: Kedro's suggestion (one block), not an ImportError."""
    from tests.conftest import copy_project, kedro_child_env, kedro_cli

    project = copy_project(tmp_path / "project")
    done = kedro_cli(project, "--pipelines", "trainig", env=kedro_child_env())
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "RUN FAILED: no pipeline named 'trainig'" in output
    assert "Failed to find the pipeline named 'trainig'" in output
    assert "did you mean: training?" in output
    assert "ImportError" not in output and "Traceback" not in output


def test_no_dataset_is_read_across_a_namespace_by_its_dotted_name(pipelines, monkeypatch):
    """Kedro warns on every run when a node outside a namespace names a dataset inside it
    (``data_engineering.raw_games_intake`` read by the raw catalog's data-quality node did)."""
    import importlib
    import warnings

    kedro_node = importlib.import_module("kedro.pipeline.node")  # the module, not node()

    monkeypatch.setattr(
        kedro_node.Node, kedro_node._DOTTED_DATASET_NAME_WARNED, False, raising=False
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        register_pipelines()
    assert not [w for w in caught if "dataset names contain '.'" in str(w.message)]
