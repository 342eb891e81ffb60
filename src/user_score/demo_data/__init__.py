"""Seeded synthetic demo data shaped like the scraped Metacritic Nintendo catalog.

The generator never reads the real file: it only uses aggregate *statistics* of it
(rates, means, correlations, category frequencies, per-category effects), kept in
``calibration.yml`` next to this file; each block there says which statistic it holds.
All titles, franchise names, DLC pack names and links are built from invented word
pools (``vocabulary.yml``), so no real row, title or link can appear in the data.

How the data is made:

1. :func:`generate_games` (``generator.py``) draws latent, typed games (one row per
   title/platform release), one step after the other on one seeded generator:

   - franchises (``universe.py``): a universe of Zipf-popular franchises, or the
     franchises of a given :class:`GameUniverse`;
   - platform, genre and developer lists (``attributes.py``), release dates from each
     platform's year profile (``dates.py``), unique titles (``names.py``);
   - DLC packs, later ports and simultaneous multi-platform twins of those games
     (``releases.py``);
   - ESRB rating, the critic and user scores from a calibrated additive model, the
     release status (TBA, Canceled...) and which scores the site shows
     (``scores.py``).
2. :func:`to_raw_catalog` (``raw_format.py``) writes the latent games exactly as the
   scraper wrote the raw CSV (date strings, Python list strings with split company
   suffixes, scrape errors, duplicated links, duplicate rows).
3. :func:`to_batch_input` (``raw_format.py``) formats games as daily scoring input.

New games after the catalog (the simulation's daily traffic) come from the catalog's
*universe*: :func:`catalog_universe` (``catalog.py``) returns the franchises (names,
popularity, latent user/critic effects, genres, studios) and titles that the catalog's
own seed drew, and ``generate_games(..., universe=...)`` samples new releases of those
franchises with a per-day seed, plus a small share of new franchises
(``new_franchise_rate``) and new studios (``new_developer_rate``). Without a universe
every call invents its own franchises (the catalog itself is drawn that way).

CLI (``cli.py``)::

    python -m user_score.demo_data --rows 2000 --seed 20210301 \\
        --out data/01_raw/games_catalog.csv
"""

from user_score.demo_data.calibration import (
    DEVELOPER_COUNTS,
    NEW_DEVELOPER_RATE,
    NEW_FRANCHISE_RATE,
    TAIL_DEVELOPERS,
)
from user_score.demo_data.catalog import (
    DEFAULT_CATALOG_ROWS,
    DEFAULT_SEED,
    catalog_universe,
    generate_catalog,
    write_catalog,
)
from user_score.demo_data.cli import main
from user_score.demo_data.dates import RAW_DATE_FORMAT
from user_score.demo_data.generator import generate_games
from user_score.demo_data.names import slugify
from user_score.demo_data.raw_format import (
    BATCH_COLUMNS,
    N_RAW_EXTRA_ROWS,
    RAW_COLUMNS,
    format_developers,
    format_genres,
    to_batch_input,
    to_raw_catalog,
)
from user_score.demo_data.universe import GameUniverse

__all__ = [
    "BATCH_COLUMNS",
    "DEFAULT_CATALOG_ROWS",
    "DEFAULT_SEED",
    "DEVELOPER_COUNTS",
    "NEW_DEVELOPER_RATE",
    "NEW_FRANCHISE_RATE",
    "N_RAW_EXTRA_ROWS",
    "RAW_COLUMNS",
    "RAW_DATE_FORMAT",
    "TAIL_DEVELOPERS",
    "GameUniverse",
    "catalog_universe",
    "format_developers",
    "format_genres",
    "generate_catalog",
    "generate_games",
    "main",
    "slugify",
    "to_batch_input",
    "to_raw_catalog",
    "write_catalog",
]
