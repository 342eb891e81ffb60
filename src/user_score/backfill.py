"""Backfill: run pipelines for a range of days in one command and one process.

``python -m user_score backfill --from 2021-03-01 --to 2021-03-21 --pipelines
scoring,monitoring [--env s3] [--params key=value,...]`` runs, for every day
in order and for every pipeline in the order given, exactly what ``kedro run
--pipelines <name> --params run_date=<day>`` runs: one ``KedroSession`` per day
and pipeline, with the same catalog, parameters (``run_date`` set per day),
hooks, locks and leases, so the files written are those of single-day runs and
a rerun replaces them. What is saved is one Python and Kedro start-up (about
4 s each) instead of one per day and pipeline.

The project hooks keep no state from one session to the next (the run guard,
storage settings and node timings are reset when a context is created or a
run starts), which ``tests/test_backfill.py`` checks by comparing a backfill
with single-day runs file by file.

A day that fails is reported and the backfill goes on with the next day (a
monitoring day that cannot run, e.g. no predictions, does not stop scoring of
the others); the summary table lists every day and pipeline with its outcome
and time, and the command exits non-zero if any failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from user_score.console import progress

logger = logging.getLogger(__name__)


@dataclass
class DayRun:
    """The outcome of one pipeline for one day."""

    day: str
    pipeline: str
    ok: bool
    seconds: float
    error: str = ""


def days_between(start: str, end: str) -> list[str]:
    """Every calendar day from ``start`` to ``end`` inclusive, ``YYYY-MM-DD``.

    Raises:
        click.BadParameter: If a date is not a calendar day or ``end`` is before ``start``.
    """
    try:
        first = pd.Timestamp(pd.to_datetime(start, format="%Y-%m-%d"))
        last = pd.Timestamp(pd.to_datetime(end, format="%Y-%m-%d"))
    except (ValueError, TypeError) as error:
        raise click.BadParameter(f"dates must be YYYY-MM-DD calendar days: {error}") from error
    if last < first:
        raise click.BadParameter(f"--to {end} is before --from {start}")
    return [day.strftime("%Y-%m-%d") for day in pd.date_range(first, last, freq="D")]


def run_one(
    project_path: Path,
    pipeline: str,
    day: str,
    env: str | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """One ``kedro run --pipelines <pipeline> --params run_date=<day>`` in this process."""
    from kedro.framework.session import KedroSession

    with KedroSession.create(
        project_path=project_path, env=env, runtime_params={**params, "run_date": day}
    ) as session:
        return session.run(pipeline_names=[pipeline])


def backfill(
    project_path: Path | str,
    days: Iterable[str],
    pipelines: Iterable[str],
    env: str | None = None,
    params: dict[str, Any] | None = None,
    console: Console | None = None,
    runner: Callable[..., Any] = run_one,
) -> list[DayRun]:
    """Run every pipeline for every day, in order, each in its own session.

    On a terminal a transient bar shows the day and pipeline being run
    (:func:`user_score.console.progress.track`); the summary table is always printed.

    Returns:
        One :class:`DayRun` per day and pipeline.
    """
    from kedro.framework.startup import bootstrap_project

    project_path = Path(project_path).resolve()
    bootstrap_project(project_path)
    days, pipelines = list(days), list(pipelines)
    console = console or Console(stderr=True)
    results: list[DayRun] = []
    steps = [(day, pipeline) for day in days for pipeline in pipelines]
    for day, pipeline in progress.track(
        steps, "backfill", label=lambda step: f"{step[0]} {step[1]}", stream=console.file
    ):
        started = time.perf_counter()
        try:
            runner(project_path, pipeline, day, env, params or {})
            outcome = DayRun(day, pipeline, True, time.perf_counter() - started)
        except Exception as error:  # the day fails, the backfill goes on
            logger.error("backfill: %s %s failed: %s", day, pipeline, error)
            outcome = DayRun(day, pipeline, False, time.perf_counter() - started, str(error))
        results.append(outcome)
    console.print(summary_table(results))
    return results


def summary_table(results: list[DayRun]) -> Table:
    """Days x pipelines: ok / FAILED and seconds, with the total."""
    table = Table(title="backfill summary")
    for name in ("day", "pipeline", "outcome", "seconds", "error"):
        table.add_column(name, justify="right" if name == "seconds" else "left")
    for run in results:
        table.add_row(
            run.day,
            run.pipeline,
            "ok" if run.ok else "[red]FAILED[/red]",
            f"{run.seconds:.1f}",
            run.error[:120],
        )
    failed = sum(not run.ok for run in results)
    table.caption = (
        f"{len(results)} runs, {failed} failed, {sum(run.seconds for run in results):.1f} s"
    )
    return table


def parse_params(text: str | None) -> dict[str, Any]:
    """``key=value,key2=value2`` as ``kedro run --params`` takes it (dotted keys nest)."""
    from kedro.framework.cli.utils import _split_params

    return _split_params(None, None, text) if text else {}


@click.command(name="backfill")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD (inclusive).")
@click.option(
    "--pipelines",
    default="scoring,monitoring",
    show_default=True,
    help="Comma-separated pipelines, run in this order for each day.",
)
@click.option("--env", "-e", default=None, help="Kedro environment (e.g. s3).")
@click.option("--params", default=None, help="Extra runtime parameters, as for kedro run.")
@click.option("--project-path", default=".", type=click.Path(file_okay=False), help="Project root.")
def backfill_command(
    start: str, end: str, pipelines: str, env: str | None, params: str | None, project_path: str
) -> None:
    """Run PIPELINES for every day from --from to --to, in one process."""
    extra = parse_params(params)
    if "run_date" in extra:
        raise click.BadParameter("run_date is set per day by --from/--to", param_hint="--params")
    names = [name.strip() for name in pipelines.split(",") if name.strip()]
    results = backfill(project_path, days_between(start, end), names, env, extra)
    if not all(run.ok for run in results):
        raise SystemExit(1)
