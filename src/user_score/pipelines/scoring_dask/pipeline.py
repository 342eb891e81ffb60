"""``scoring_dask``: one day scored on a Dask cluster, with the ``scoring`` pipeline's outputs.

``kedro run --env dask --pipelines scoring_dask --params run_date=YYYY-MM-DD``

For a day too large for one machine. The ``dask`` environment
(``conf/dask/catalog.yml``) loads ``batch_input`` as a ``dask.dataframe``;
the node scores it partition by partition with the ``scoring`` node functions
on the cluster of ``params:scoring_dask`` and returns the same predictions,
features, quarantine and summary, written by the same catalog entries. Not in
``__default__`` (it writes what ``scoring`` writes). docs/dask.md.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import score_day_on_dask


def create_pipeline(**kwargs) -> Pipeline:
    """Create the scoring_dask pipeline (one node; the day's data-quality report is not in it)."""
    return Pipeline(
        [
            Node(
                func=score_day_on_dask,
                inputs=[
                    "batch_input",
                    "model",
                    "params:run_date",
                    "params:scoring",
                    "params:scoring_dask",
                ],
                outputs=[
                    "predictions@csv",
                    "scored_features@parquet",
                    "scoring_quarantine",
                    "scoring_summary",
                ],
                name="score_day_on_dask",
            ),
        ],
        tags="scoring_dask",
    )
