"""Typed parameters shared by the daily pipelines (validated by Kedro 1.7 before any node runs).

A node input ``params:<key>`` annotated with a pydantic model is turned into
that model by Kedro when the run starts; a wrong value or an unknown key stops
the run before anything is read or written, naming the parameter
(``Parameter 'run_date': ...``). Each pipeline's own block has its model next
to its nodes (``pipelines/<name>/params.py``); this module holds what they
share:

* :class:`RunDate`, the top-level ``run_date`` (``conf/base/parameters.yml``):
  the one day scoring, monitoring and simulation work on. The catalog's
  ``dt=YYYY-MM-DD`` folders are built from the very same run-time value
  (``${runtime_params:run_date,${globals:default_run_date}}``), and only a
  ``YYYY-MM-DD`` text that is a real calendar day is accepted, so a run whose
  folders could differ from its date is refused before it starts.
* :class:`StrictParams`, the base of every parameter block: unknown keys are
  errors (``--params scoring.run_date=...`` is refused, not silently ignored).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, RootModel, field_validator

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A value shown back in an error: digits and separators only. Anything else is not
#: echoed (a run-time parameter may carry a token, and an error raised before the
#: pipeline starts is printed without the secret-redaction hooks).
_ECHOED = re.compile(r"[\d./: -]{1,12}")


def _shown(value: Any) -> str:
    text = str(value)
    return f", got {text!r}" if _ECHOED.fullmatch(text) else ""


def calendar_day(value: Any, name: str) -> date:
    """``value`` as a date: a ``YYYY-MM-DD`` text that is a real calendar day (or a date).

    Raises:
        ValueError: Naming ``name``, for anything else (``2021-02-30``, ``21-3-1``,
            ``20210305``, a timestamp).
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{name} must be a real calendar day{_shown(value)} ({exc})") from exc
    raise ValueError(
        f"{name} must be a calendar day written YYYY-MM-DD (e.g. 2021-03-01){_shown(value)}"
    )


class StrictParams(BaseModel):
    """A parameter block: unknown keys are errors, values are read-only.

    Errors name the key and the rule, not the value given (see :func:`calendar_day`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class RunDate(RootModel[date]):
    """``params:run_date``: the day a daily run works on (its ``dt=`` folders).

    ``--params run_date=2021-03-05``; default ``globals:default_run_date``.
    """

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    @field_validator("root", mode="before")
    @classmethod
    def _calendar_day(cls, value: Any) -> date:
        return calendar_day(value, "run_date")

    @property
    def iso(self) -> str:
        """``YYYY-MM-DD`` (the text of the ``dt=`` folders)."""
        return self.root.isoformat()

    @property
    def day(self) -> pd.Timestamp:
        """The day as a midnight ``pandas.Timestamp``."""
        return pd.Timestamp(self.root)

    def __str__(self) -> str:
        return self.iso
