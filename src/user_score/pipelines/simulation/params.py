"""Typed ``params:simulation`` (``conf/base/parameters_simulation.yml``), validated by Kedro 1.7.

The last simulated day is the top-level ``params:run_date``
(:class:`user_score.params.RunDate`). The YAML file is the one source of the
values; these classes are their schema.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, field_validator, model_validator

from user_score.params import StrictParams, calendar_day


def _names(value: Any) -> Any:
    """A YAML list, or a comma-separated string given with ``--params``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Universe(StrictParams):
    """The franchises and studios new games come from."""

    #: The committed catalog's seed (``null``: every day invents its own, unseen by the model).
    seed: int | None
    catalog_rows: int = Field(ge=1)
    new_franchise_rate: float = Field(ge=0, le=1)
    new_developer_rate: float = Field(ge=0, le=1)


class Labels(StrictParams):
    """Delayed labels: which games get one and how late."""

    rate: float = Field(ge=0, le=1)
    min_delay_days: int = Field(ge=0)
    max_delay_days: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Labels:
        if self.max_delay_days < self.min_delay_days:
            raise ValueError("labels.max_delay_days is below labels.min_delay_days")
        return self


class Drift(StrictParams):
    """Drift applied to the days from ``start_date`` on (``null``: no drift)."""

    start_date: date | None
    meta_score_shift: float
    new_genres: list[str]
    new_genre_rate: float = Field(ge=0, le=1)
    new_platforms: list[str]
    new_platform_rate: float = Field(ge=0, le=1)
    platform_mix: dict[str, float] | None

    @field_validator("start_date", mode="before")
    @classmethod
    def _day(cls, value: Any) -> date | None:
        return None if value is None else calendar_day(value, "simulation.drift.start_date")

    @field_validator("new_genres", "new_platforms", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return _names(value)


class SimulationParams(StrictParams):
    """``params:simulation``."""

    days: int = Field(ge=1)
    games_per_day: int = Field(ge=1)
    seed: int
    universe: Universe
    release_start: date
    invalid_row_rate: float = Field(ge=0, le=1)
    labels: Labels
    drift: Drift

    @field_validator("release_start", mode="before")
    @classmethod
    def _release_start(cls, value: Any) -> date:
        return calendar_day(value, "simulation.release_start")
