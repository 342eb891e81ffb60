"""Command line: ``python -m user_score.demo_data --rows 2000 --seed N --out FILE``."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from user_score.demo_data.catalog import DEFAULT_CATALOG_ROWS, DEFAULT_SEED, write_catalog

logger = logging.getLogger("user_score.demo_data")


def main(argv: Sequence[str] | None = None) -> None:
    """Write the raw demo catalog CSV (``make demo-data`` writes the committed one)."""
    parser = argparse.ArgumentParser(
        description="Write the seeded synthetic demo catalog (shaped like the Metacritic scrape)."
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_CATALOG_ROWS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("data/01_raw/games_catalog.csv"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = write_catalog(args.out, n_rows=args.rows, seed=args.seed)
    logger.info("wrote %d rows to %s (seed %d)", args.rows, out, args.seed)
