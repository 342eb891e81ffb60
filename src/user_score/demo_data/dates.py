"""Release dates: drawn from each platform's year profile, and their raw date strings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from user_score.demo_data.attributes import weights
from user_score.demo_data.calibration import (
    DATE_STATUS_SHARES,
    NEW_PLATFORM_YEARS,
    PLATFORM_YEAR_COUNTS,
)

DAY_NS = 86_400 * 10**9
#: How the scraper wrote a release date (``Mar 5, 2021``).
RAW_DATE_FORMAT = "%b %-d, %Y"


def draw_dates(
    rng: np.random.Generator, platforms: np.ndarray, start: pd.Timestamp, end: pd.Timestamp
) -> np.ndarray:
    """Release dates (int64 ns, midnight) per row from the platform's year profile.

    Dates fall inside [start, end]. Platforms without a profile (new/drifted platforms)
    release uniformly over the last ``NEW_PLATFORM_YEARS`` years of the window.
    """
    out = np.empty(len(platforms), dtype=np.int64)
    lo_all, hi_all = start.value, end.value
    for plat in np.unique(platforms):
        idx = np.flatnonzero(platforms == plat)
        profile = {
            y: c
            for y, c in PLATFORM_YEAR_COUNTS.get(plat, {}).items()
            if start.year <= y <= end.year
        }
        if profile:
            years = np.array(list(profile))
            chosen = rng.choice(years, size=len(idx), p=weights(list(profile.values())))
            y_lo = np.maximum(_new_year_ns(chosen), lo_all)
            y_hi = np.minimum(_new_year_ns(chosen + 1) - 1, hi_all)
        else:
            recent = (end - pd.DateOffset(years=NEW_PLATFORM_YEARS)).value
            y_lo = np.full(len(idx), max(lo_all, recent))
            y_hi = np.full(len(idx), hi_all)
        span = np.maximum(y_hi - y_lo, 1)
        out[idx] = y_lo + (rng.random(len(idx)) * span).astype(np.int64)
    return out // DAY_NS * DAY_NS


def _new_year_ns(years: np.ndarray) -> np.ndarray:
    """Nanoseconds since the epoch of January 1st of each year."""
    return (
        (years.astype(np.int64) - 1970)
        .astype("datetime64[Y]")
        .astype("datetime64[ns]")
        .astype(np.int64)
    )


def draw_release_status(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Per row ``date`` (released) or an unreleased status of ``DATE_STATUS_SHARES``
    (``TBA``, ``Canceled``, ``TBA_YEAR``, ``QUARTER``); only base games are unreleased."""
    status = np.full(len(kind), "date", dtype=object)
    u = rng.random(len(kind))
    edges = np.cumsum(list(DATE_STATUS_SHARES.values()))
    for name, lo, hi in zip(DATE_STATUS_SHARES, np.r_[0, edges[:-1]], edges, strict=True):
        status[(u >= lo) & (u < hi) & (kind == "base")] = name
    return status


def raw_dates(release: pd.DatetimeIndex, status: np.ndarray) -> np.ndarray:
    """The scraper's date strings: ``Mar 5, 2021``, ``TBA``, ``Canceled``, ``TBA 2021``
    or ``Q2 2021`` (the year and quarter of the drawn date)."""
    year = release.year.to_numpy()
    date_raw = np.array([ts.strftime(RAW_DATE_FORMAT) for ts in release], dtype=object)
    date_raw[status == "TBA"] = "TBA"
    date_raw[status == "Canceled"] = "Canceled"
    ym = status == "TBA_YEAR"
    date_raw[ym] = [f"TBA {int(y)}" for y in year[ym]]
    qm = status == "QUARTER"
    date_raw[qm] = [
        f"Q{(m - 1) // 3 + 1} {int(y)}"
        for m, y in zip(release.month.to_numpy()[qm], year[qm], strict=True)
    ]
    return date_raw
