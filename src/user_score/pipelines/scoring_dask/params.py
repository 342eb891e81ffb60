"""Typed ``params:scoring_dask`` (``conf/base/parameters_scoring_dask.yml``)."""

from __future__ import annotations

from pydantic import Field

from user_score.params import StrictParams


class DaskParams(StrictParams):
    """``params:scoring_dask``: which Dask cluster scores the day."""

    #: ``tcp://host:8786`` of a running scheduler; empty: a ``LocalCluster`` on this machine.
    scheduler_address: str = ""
    #: LocalCluster only: worker processes (or threads, see ``processes``).
    n_workers: int = Field(default=2, ge=1)
    #: LocalCluster only: threads per worker.
    threads_per_worker: int = Field(default=1, ge=1)
    #: LocalCluster only: workers in their own processes (false: threads of this process).
    processes: bool = True
