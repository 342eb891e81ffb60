"""Node timings come from a hook: every node of a real run is timed and logged."""

from __future__ import annotations

import logging

from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node, Pipeline
from kedro.runner import SequentialRunner

from user_score.settings import HOOKS
from user_score.timing import NodeTimingHook


def test_the_timing_hook_times_every_node_and_names_the_slowest(caplog):
    hook = NodeTimingHook()
    pipeline = Pipeline(
        [
            Node(lambda x: x + 1, "a", "b", name="first"),
            Node(lambda x: sum(range(200_000)) + x, "b", "c", name="second"),
        ]
    )
    catalog = DataCatalog({"a": MemoryDataset(1)})
    hook.before_pipeline_run({}, pipeline, catalog)
    with caplog.at_level(logging.INFO, logger="user_score.timing"):
        for node in pipeline.nodes:
            hook.before_node_run(node, catalog, {})
            hook.after_node_run(node, catalog, {}, {})
        hook.after_pipeline_run({}, None, pipeline, catalog)
    assert set(hook.seconds) == {"first", "second"}
    assert all(seconds >= 0 for seconds in hook.seconds.values())
    assert "node first took" in caplog.text and "slowest: " in caplog.text
    SequentialRunner().run(pipeline, catalog)  # the hook is not needed to run


def test_the_project_registers_the_timing_hook():
    assert any(isinstance(hook, NodeTimingHook) for hook in HOOKS)


def test_a_generator_node_is_timed_until_its_chunks_are_saved(caplog):
    """Kedro calls ``after_node_run`` before a generator node's chunks are made: its time
    runs until the next node starts (its chunks' work and saves included)."""
    import time

    from kedro.framework.hooks.manager import _create_hook_manager

    def slow_chunks(x):
        for i in range(3):
            time.sleep(0.1)
            yield x + i

    hook = NodeTimingHook()
    hooks = _create_hook_manager()
    hooks.register(hook)
    pipeline = Pipeline(
        [
            Node(slow_chunks, "a", "b", name="chunks"),
            Node(lambda x: x, "b", "c", name="after"),
        ]
    )
    catalog = DataCatalog({"a": MemoryDataset(1)})
    hook.before_pipeline_run({}, pipeline, catalog)
    with caplog.at_level(logging.INFO, logger="user_score.timing"):
        SequentialRunner().run(pipeline, catalog, hooks)
        hook.after_pipeline_run({}, None, pipeline, catalog)
    assert hook.seconds["chunks"] >= 0.3
    assert "node chunks took" in caplog.text and "its chunks and their saves" in caplog.text
