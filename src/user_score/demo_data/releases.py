"""Release kinds: how many base games, and the DLC packs, ports and twins derived from them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from user_score.demo_data.calibration import (
    DLC_WINDOW_DAYS,
    KIND_SHARES,
    PLATFORM_COUNTS,
    PORT_GAP_DAYS,
    PORT_TARGETS,
    TWIN_SHIFT_DAYS,
    TWIN_TARGETS,
)
from user_score.demo_data.dates import DAY_NS, draw_dates
from user_score.demo_data.names import dlc_titles, port_titles, roman

#: Kinds of release derived from a base game, in the order they are drawn.
DERIVED_KINDS = ("dlc", "port", "twin")


def kind_counts(n_games: int) -> dict[str, int]:
    """Rows per release kind (``base`` first, at least one) adding up to ``n_games``."""
    n_dlc = round(n_games * KIND_SHARES["dlc"])
    n_port = round(n_games * KIND_SHARES["port"])
    n_twin = round(n_games * KIND_SHARES["twin"])
    n_base = max(n_games - n_dlc - n_port - n_twin, 1)
    n_dlc, n_port, n_twin = (min(x, n_games - n_base) for x in (n_dlc, n_port, n_twin))
    n_twin = n_games - n_base - n_dlc - n_port
    return {"base": n_base, "dlc": n_dlc, "port": n_port, "twin": n_twin}


def add_derived_releases(
    rng: np.random.Generator,
    base: pd.DataFrame,
    counts: dict[str, int],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """``base`` followed by its DLC packs, ports and twins (``counts[kind]`` rows each).

    Titles stay unique per platform: a derived row whose (title, platform) repeats
    another row's becomes a numbered edition (``... II``).
    """
    parts = [base] + [_derive(rng, base, kind, counts[kind], start, end) for kind in DERIVED_KINDS]
    games = pd.concat(parts, ignore_index=True)
    dup = games.duplicated(["title", "platform"])
    games.loc[dup, "title"] = [f"{t} {roman(i + 2)}" for i, t in enumerate(games.loc[dup, "title"])]
    return games


def _derive(
    rng: np.random.Generator,
    base: pd.DataFrame,
    kind: str,
    n: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """``n`` rows of ``kind`` copied from random base games (their ``parent``)."""
    if n <= 0:
        return base.iloc[0:0].copy()
    parent = rng.integers(0, len(base), size=n)
    d = base.iloc[parent].copy().reset_index(drop=True)
    d["kind"] = kind
    d["parent"] = parent
    d["genres"] = [list(g) for g in d["genres"]]
    d["developers"] = [list(x) for x in d["developers"]]
    if kind == "dlc":
        return _as_dlc(rng, d, end)
    return _as_port(rng, d, start, end) if kind == "port" else _as_twin(rng, d, start, end)


def _as_dlc(rng: np.random.Generator, d: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """DLC packs: same platform, released within ``DLC_WINDOW_DAYS`` after the game."""
    parent_ns = d["release_ns"].to_numpy()
    room = np.clip(end.value - parent_ns, 0, DLC_WINDOW_DAYS * DAY_NS)
    release_ns = parent_ns + (rng.random(len(d)) * room).astype(np.int64)
    d["release_ns"] = release_ns // DAY_NS * DAY_NS
    d["title"] = dlc_titles(rng, d["title"].tolist())
    return d


def _new_platforms(
    rng: np.random.Generator, platforms: np.ndarray, targets: dict[str, tuple[str, ...]]
) -> np.ndarray:
    """Per row, one of the platform's ``targets`` (any real platform when it has none)."""
    return np.array(
        [rng.choice(targets.get(p, tuple(PLATFORM_COUNTS))) for p in platforms], dtype=object
    )


def _as_port(
    rng: np.random.Generator, d: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Ports: a successor platform, at least ``PORT_GAP_DAYS`` after the game (or
    between the game and ``end`` when that is too late), maybe a remaster suffix."""
    new_plat = _new_platforms(rng, d["platform"].astype(str).to_numpy(), PORT_TARGETS)
    d["platform"] = new_plat
    own = draw_dates(rng, new_plat.astype(str), start, end)
    parent_ns = d["release_ns"].to_numpy()
    port_ns = np.maximum(own, parent_ns + PORT_GAP_DAYS * DAY_NS)
    late = port_ns > end.value
    port_ns[late] = parent_ns[late] + (
        rng.random(late.sum()) * (end.value - parent_ns[late])
    ).astype(np.int64)
    d["release_ns"] = port_ns // DAY_NS * DAY_NS
    d["title"] = port_titles(rng, d["title"].tolist())
    return d


def _as_twin(
    rng: np.random.Generator, d: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Twins: a concurrent platform, within ``TWIN_SHIFT_DAYS`` of the game, same title."""
    d["platform"] = _new_platforms(rng, d["platform"].astype(str).to_numpy(), TWIN_TARGETS)
    shift = rng.integers(-TWIN_SHIFT_DAYS, TWIN_SHIFT_DAYS + 1, size=len(d)) * DAY_NS
    d["release_ns"] = np.clip(d["release_ns"].to_numpy() + shift, start.value, end.value)
    return d
