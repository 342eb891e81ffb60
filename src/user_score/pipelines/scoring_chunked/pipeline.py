"""``scoring_chunked``: one day scored block by block, with the ``scoring`` pipeline's outputs.

``kedro run --pipelines scoring_chunked --params run_date=YYYY-MM-DD``

For a day too large to hold whole (10M rows: the memory of a 1M-row day). It
reads run_date's ``batch_input`` file twice through ``batch_input_blocks``
(blocks of ``block_bytes`` of CSV): first the ids (an id found twice anywhere
in the day quarantines every copy), then the rows, scored block by block with
the ``scoring`` node functions. ``score_day_in_chunks`` is a generator: Kedro
saves each block's predictions, features and quarantine as they come, to the
same files ``scoring`` writes, each published only when the last block is
written (``user_score.reliability.streams``). Not in ``__default__`` (it writes
what ``scoring`` writes); the day's data-quality report
(``batch_input_quality_*``) is not in it. docs/architecture.md.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import find_duplicated_ids, score_day_in_chunks, summarise_chunked_scoring


def create_pipeline(**kwargs) -> Pipeline:
    """Create the scoring_chunked pipeline."""
    return Pipeline(
        [
            Node(
                func=find_duplicated_ids,
                inputs="batch_input_blocks",
                outputs="scoring_duplicated_ids",
                name="find_duplicated_ids",
            ),
            Node(
                func=score_day_in_chunks,
                inputs=[
                    "batch_input_blocks",
                    "scoring_duplicated_ids",
                    "model",
                    "params:run_date",
                    "params:scoring",
                ],
                outputs=[
                    "predictions@csv",
                    "scored_features@parquet",
                    "scoring_quarantine",
                    "scoring_day_tally",
                ],
                name="score_day_in_chunks",
            ),
            Node(
                func=summarise_chunked_scoring,
                inputs=["scoring_day_tally", "params:run_date"],
                outputs="scoring_summary",
                name="summarise_chunked_scoring",
            ),
        ],
        tags="scoring_chunked",
    )
