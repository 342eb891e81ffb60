"""Nodes of the ``simulation`` pipeline: a local stand-in for production traffic.

For each day of a window ending at ``run_date`` the demo generator
(:func:`user_score.demo_data.generate_games`) draws that day's games, formats
them as a scoring batch (:func:`user_score.demo_data.to_batch_input`), spoils
a small share of rows the way upstream systems do (so quarantine has work),
and lets the games' real user scores arrive 7-14 days later, for some games
only, as ``actuals``.

The games are new releases of the demo catalog's franchises, mostly by its
studios (:func:`user_score.demo_data.catalog_universe`, the ``universe``
parameters), with a small share of new franchises and studios: a period without
drift looks like the population the model was trained on, as in production.

Every day is a pure function of ``(universe, seed, date, drift parameters)``: rerunning
any window rewrites identical files, and an ``actuals`` partition (the labels
that *arrived* on a day) is the same whichever window wrote it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from user_score.demo_data import (
    GameUniverse,
    catalog_universe,
    generate_games,
    to_batch_input,
)
from user_score.params import RunDate

from .params import Drift, SimulationParams, Universe

logger = logging.getLogger(__name__)

ACTUALS_COLUMNS = ["id", "event_date", "real_user_score"]
#: How rows are spoiled, in turn (column, value); "duplicate_id" repeats the previous id.
INVALID_ROW_KINDS: tuple[tuple[str, str | None], ...] = (
    ("meta_score", "150"),
    ("date", "Feb 30, 2021"),
    ("genres", "Action, Platformer"),
    ("platform", None),
    ("id", "duplicate_id"),
    ("date", "Canceled"),
)


def _day_seed(seed: int, day: pd.Timestamp, stream: int) -> int:
    """An independent, reproducible seed per (seed, day, stream)."""
    return int(np.random.SeedSequence([int(seed), day.toordinal(), stream]).generate_state(1)[0])


def drift_for_day(day: pd.Timestamp, drift: Drift) -> dict[str, Any]:
    """The ``generate_games`` drift arguments in force on ``day`` (empty before ``start_date``)."""
    if drift.start_date is None or day < pd.Timestamp(drift.start_date):
        return {}
    active: dict[str, Any] = {}
    if drift.meta_score_shift:
        active["meta_score_shift"] = drift.meta_score_shift
    if drift.new_genres:
        active["new_genres"] = list(drift.new_genres)
        active["new_genre_rate"] = drift.new_genre_rate
    if drift.new_platforms:
        active["new_platforms"] = list(drift.new_platforms)
        active["new_platform_rate"] = drift.new_platform_rate
    if drift.platform_mix:
        active["platform_mix"] = dict(drift.platform_mix)
    return active


def universe_for(universe: Universe) -> GameUniverse | None:
    """The franchises new games come from: the catalog's (``seed``, ``catalog_rows``).

    ``seed: null`` gives ``None``: every day then invents franchises and studios
    of its own, which the model has never seen.
    """
    if universe.seed is None:
        return None
    return catalog_universe(universe.seed, universe.catalog_rows)


def spoil_rows(batch: pd.DataFrame, rate: float, rng: np.random.Generator) -> pd.DataFrame:
    """Make about ``rate`` of the rows invalid, cycling through :data:`INVALID_ROW_KINDS`."""
    batch = batch.astype(object)
    n_bad = int(rng.binomial(len(batch), rate)) if len(batch) > 1 else 0
    rows = np.sort(
        rng.choice(np.arange(1, len(batch)), size=min(n_bad, len(batch) - 1), replace=False)
    )
    for k, row in enumerate(rows):
        column, value = INVALID_ROW_KINDS[k % len(INVALID_ROW_KINDS)]
        if value == "duplicate_id":
            batch.iloc[row, batch.columns.get_loc("id")] = batch.iloc[row - 1]["id"]
        else:
            batch.iloc[row, batch.columns.get_loc(column)] = value if value is not None else np.nan
    return batch


def simulate_day(day: pd.Timestamp, params: SimulationParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One day of traffic: the batch as delivered, and the labels it will get.

    Returns:
        ``(batch, labels)``: the raw batch (``BATCH_COLUMNS``, with spoiled rows)
        and ``id, event_date, real_user_score`` for the games whose score will
        arrive (``event_date`` 7-14 days after ``day``).
    """
    games = generate_games(
        params.games_per_day,
        seed=_day_seed(params.seed, day, 0),
        start=params.release_start.isoformat(),
        end=day.strftime("%Y-%m-%d"),
        drift=drift_for_day(day, params.drift) or None,
        universe=universe_for(params.universe),
        new_franchise_rate=params.universe.new_franchise_rate,
        new_developer_rate=params.universe.new_developer_rate,
    )
    clean = to_batch_input(games, id_prefix=f"g{day:%Y%m%d}")
    rng = np.random.default_rng(_day_seed(params.seed, day, 1))
    batch = spoil_rows(clean, params.invalid_row_rate, rng)
    delay = rng.integers(
        params.labels.min_delay_days, params.labels.max_delay_days + 1, size=len(games)
    )
    arrives = games["user_score"].notna().to_numpy() & (rng.random(len(games)) < params.labels.rate)
    labels = pd.DataFrame(
        {
            "id": clean["id"].to_numpy()[arrives],
            "event_date": (day + pd.to_timedelta(delay[arrives], unit="D")).strftime("%Y-%m-%d"),
            "real_user_score": games["user_score"].to_numpy()[arrives].round(1),
        }
    )
    return batch, labels


def simulate_production(
    run_date: RunDate, params: SimulationParams
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict[str, Any]]:
    """Simulate the ``days`` days ending at ``run_date``.

    Args:
        run_date: ``params:run_date``, the last simulated day.
        params: ``params:simulation`` (see ``conf/base/parameters_simulation.yml``).

    Returns:
        ``(batch_input, simulated_batch_inputs, actuals, simulation_summary)``:
        run_date's batch (saved through ``batch_input``, so Kedro runs scoring
        after simulation), the earlier days' batches keyed
        ``dt=YYYY-MM-DD/input``, the labels that arrived on each day of the
        window keyed ``dt=YYYY-MM-DD/actuals``, and a summary.
    """
    run_day = run_date.day
    n_days = params.days
    max_delay = params.labels.max_delay_days
    window = pd.date_range(end=run_day, periods=n_days, freq="D")
    batches: dict[pd.Timestamp, pd.DataFrame] = {}
    all_labels = []
    # Labels arriving inside the window may come from games up to max_delay days earlier.
    for day in pd.date_range(window[0] - pd.Timedelta(days=max_delay), run_day, freq="D"):
        batch, labels = simulate_day(day, params)
        if day >= window[0]:
            batches[day] = batch
        all_labels.append(labels)
    labels = pd.concat(all_labels, ignore_index=True)
    arrived = labels[labels["event_date"].between(f"{window[0]:%Y-%m-%d}", f"{run_day:%Y-%m-%d}")]
    actuals = {
        f"dt={event_date}/actuals": group.loc[:, ACTUALS_COLUMNS].reset_index(drop=True)
        for event_date, group in arrived.groupby("event_date", sort=True)
    }
    earlier = {
        f"dt={day:%Y-%m-%d}/input": batch for day, batch in batches.items() if day != run_day
    }
    summary = {
        "run_date": f"{run_day:%Y-%m-%d}",
        "days": [f"{day:%Y-%m-%d}" for day in window],
        "rows_per_day": {f"{day:%Y-%m-%d}": len(batch) for day, batch in batches.items()},
        "labels_per_arrival_day": {key[3:13]: len(frame) for key, frame in actuals.items()},
        "drift": {
            f"{day:%Y-%m-%d}": drift_for_day(day, params.drift)
            for day in window
            if drift_for_day(day, params.drift)
        },
        "seed": params.seed,
        "universe": params.universe.model_dump(),
    }
    logger.info(
        "simulated %d days ending %s (%d rows), %d label partitions",
        len(window),
        summary["run_date"],
        sum(summary["rows_per_day"].values()),
        len(actuals),
    )
    return batches[run_day], earlier, actuals, summary
