"""The Dask path (``scoring_dask``, ``--env dask``): the same outputs as ``scoring``.

On a ``distributed.LocalCluster`` of 2 thread workers; the day is read in small
blocks so that it spans several partitions and its duplicated ids, spoiled
rows and rows with a wrong field count fall in different ones.
"""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from tests.pipelines.scoring.conftest import RUN_DATE  # noqa: E402
from tests.pipelines.scoring.split_days import (  # noqa: E402
    LOAD_ARGS,
    SCORING_PARAMS,
    score_default_path,
    write_day,
)
from tests.pipelines.scoring.test_pipeline import assert_same_outputs, scoring_day_files  # noqa: E402
from user_score.datasets import FieldCountCSVDataset  # noqa: E402
from user_score.datasets.dask_csv import FieldCountDaskCSVDataset  # noqa: E402
from user_score.pipelines.scoring_dask.nodes import score_day_on_dask  # noqa: E402
from user_score.pipelines.scoring_dask.params import DaskParams  # noqa: E402

BLOCKSIZE = 40_000  # bytes: a 1,200-row day in ~4 partitions


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 workers (threads of this process), current for the module."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def test_a_day_on_dask_gives_the_outputs_of_the_default_path(client, demo_model, tmp_path):
    path = write_day(tmp_path / "input.csv")
    day = FieldCountDaskCSVDataset(filepath=str(path), load_args=LOAD_ARGS, blocksize=BLOCKSIZE)
    batch = day.load()
    assert batch.npartitions >= 3
    on_dask = score_day_on_dask(batch, demo_model, RUN_DATE, SCORING_PARAMS, DaskParams())
    expected = score_default_path(path, demo_model)
    for got, want in zip(on_dask[:3], expected[:3], strict=True):
        pd.testing.assert_frame_equal(got, want)
    assert on_dask[3] == expected[3]
    # what makes the day hard to split is really in it
    quarantine = on_dask[2]
    assert (quarantine["reason"] == "id: unique").sum() >= 3
    assert quarantine["reason"].str.contains("id: unique; ").any()
    assert (quarantine["reason"] == "row: field_count").sum() == 2
    summary = on_dask[3]
    assert summary["rows_in"] == summary["rows_scored"] + summary["rows_quarantined"] == 1202


def test_the_partitions_are_the_default_load_in_file_order(tmp_path):
    path = write_day(tmp_path / "input.csv", rows=400)
    whole = FieldCountCSVDataset(filepath=str(path), load_args=LOAD_ARGS).load()
    day = FieldCountDaskCSVDataset(filepath=str(path), load_args=LOAD_ARGS, blocksize=9_000)
    batch = day.load()
    assert batch.npartitions >= 4
    read = batch.compute(scheduler="sync").reset_index(drop=True)
    pd.testing.assert_frame_equal(read, whole)


def test_a_pandas_batch_input_names_the_dask_environment(demo_model):
    with pytest.raises(TypeError, match="--env dask"):
        score_day_on_dask(pd.DataFrame(), demo_model, RUN_DATE, SCORING_PARAMS, DaskParams())


@pytest.mark.slow
def test_kedro_run_env_dask_writes_the_files_of_the_scoring_pipeline(
    client, project_copy, demo_model, kedro_run
):
    """``kedro run --env dask --pipelines scoring_dask`` against ``--pipelines scoring``."""
    project, day = project_copy, RUN_DATE.iso
    outputs, default = scoring_day_files(project, demo_model, kedro_run, day)
    # the session finds the module's client (the node uses the current one)
    kedro_run(project, pipeline_name="scoring_dask", env="dask", runtime_params={"run_date": day})
    assert_same_outputs(outputs, default)
