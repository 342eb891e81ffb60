"""A demo day that is hard to split, and the ``scoring`` nodes' outputs for it.

Shared by the paths that score a day in parts (``test_dask.py``,
``test_chunked.py``): ids duplicated across parts, spoiled rows and rows with
a wrong field count fall in different parts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.pipelines.scoring.conftest import RUN_DATE
from user_score.datasets import FieldCountCSVDataset
from user_score.demo_data import generate_games, to_batch_input
from user_score.pipelines.scoring.nodes import (
    build_scoring_features,
    build_scoring_quarantine,
    predict_batch,
    summarise_scoring,
    validate_batch_input,
)
from user_score.pipelines.scoring.params import ScoringParams
from user_score.pipelines.simulation.nodes import spoil_rows

LOAD_ARGS = {
    "dtype": "str",
    "encoding": "utf-8-sig",
    "keep_default_na": False,
    "na_values": [""],
}
#: Several model calls per partition (the chunks restart in each partition).
SCORING_PARAMS = ScoringParams(chunk_size=150)


def write_day(path: Path, rows: int = 1200) -> Path:
    """A demo day with spoiled rows, ids duplicated across partitions and bad field counts."""
    batch = to_batch_input(generate_games(rows, seed=7), id_prefix="d")
    batch = spoil_rows(batch, 0.05, np.random.default_rng(7))
    batch.loc[rows - 5, "id"] = batch.loc[3, "id"]  # first and last partition, both valid
    batch.loc[rows - 6, "id"] = batch.loc[4, "id"]
    batch.loc[4, "meta_score"] = "many"  # ... one of them also breaks another rule
    text = batch.to_csv(index=False)
    lines = text.splitlines(keepends=True)
    # a short and a long row (a bad field count), the long one with a duplicated id
    lines.insert(600, "short-row,Only Title,Switch\n")
    lines.insert(900, f"{batch.loc[10, 'id']},T,Switch,2020-01-01,80,E,['N'],['A'],surplus\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def score_default_path(path: Path, model) -> tuple:
    """The ``scoring`` pipeline's nodes on the default ``batch_input`` load."""
    batch = FieldCountCSVDataset(filepath=str(path), load_args=LOAD_ARGS).load()
    valid, rejected, intake = validate_batch_input(batch, RUN_DATE)
    features = build_scoring_features(valid)
    predictions, scored, report = predict_batch(features, model, RUN_DATE, SCORING_PARAMS)
    quarantine = build_scoring_quarantine(rejected, report)
    return predictions, scored, quarantine, summarise_scoring(intake, rejected, report)
