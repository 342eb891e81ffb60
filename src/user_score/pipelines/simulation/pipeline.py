"""``simulation``: daily ``batch_input`` partitions and delayed ``actuals`` from the demo generator.

``kedro run --pipelines simulation --params run_date=YYYY-MM-DD``
"""

from kedro.pipeline import Node, Pipeline

from .nodes import simulate_production


def create_pipeline(**kwargs) -> Pipeline:
    """Create the simulation pipeline.

    run_date's batch is an output named ``batch_input``, the very dataset
    scoring reads, so in the default run Kedro orders simulation before scoring.
    """
    return Pipeline(
        [
            Node(
                func=simulate_production,
                inputs=["params:run_date", "params:simulation"],
                outputs=["batch_input", "simulated_batch_inputs", "actuals", "simulation_summary"],
                name="simulate_production",
            ),
        ],
        tags="simulation",
    )
