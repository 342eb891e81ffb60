"""The committed demo catalog: its size and seed, its universe, writing it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from user_score.demo_data.generator import generate_games, generate_games_and_universe
from user_score.demo_data.raw_format import (
    MIN_ROWS_FOR_ARTEFACTS,
    N_RAW_EXTRA_ROWS,
    to_raw_catalog,
)
from user_score.demo_data.universe import GameUniverse

DEFAULT_SEED = 20210301
DEFAULT_CATALOG_ROWS = 2000


def _n_games(n_rows: int) -> int:
    """Games behind a raw catalog of ``n_rows`` rows (its artefact rows removed)."""
    return n_rows - N_RAW_EXTRA_ROWS if n_rows >= MIN_ROWS_FOR_ARTEFACTS else n_rows


def generate_catalog(n_rows: int = DEFAULT_CATALOG_ROWS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Raw catalog with ``n_rows`` rows (for n_rows >= 300, including artefact rows)."""
    return to_raw_catalog(generate_games(_n_games(n_rows), seed), seed)


def write_catalog(
    path: str | Path, n_rows: int = DEFAULT_CATALOG_ROWS, seed: int = DEFAULT_SEED
) -> Path:
    """Write the raw catalog CSV reproducibly (byte-identical for equal arguments)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_catalog(n_rows, seed).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def catalog_universe(seed: int = DEFAULT_SEED, n_rows: int = DEFAULT_CATALOG_ROWS) -> GameUniverse:
    """The universe (franchises, studios, titles) of ``generate_catalog(n_rows, seed)``.

    The default arguments give the universe of the committed demo catalog, i.e. the
    franchises the demo model was trained on. Computed once per process (read-only).
    """
    return _catalog_universe(int(seed), int(n_rows))


@lru_cache(maxsize=4)
def _catalog_universe(seed: int, n_rows: int) -> GameUniverse:
    return generate_games_and_universe(_n_games(n_rows), seed)[1]
