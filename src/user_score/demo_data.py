"""Seeded synthetic demo data shaped like the scraped Metacritic Nintendo catalog.

The generator never reads the real file: it only uses aggregate *statistics* of it
(rates, means, correlations, category frequencies, per-category effects) that are
hard-coded in the calibration block below. All titles, franchise names, DLC pack
names and links are built from invented word pools, so no real row, title or link
can appear in the generated data.

Pipeline of the generator:

1. :func:`generate_games` draws latent, typed games (one row per title/platform
   release): base games grouped in synthetic franchises, plus DLC packs, later
   ports and simultaneous multi-platform releases of those games. The user score
   comes from a calibrated additive model (meta score, year trend, platform, genre,
   ESRB, developer, franchise, release kind, skewed noise); missingness of the
   scores depends on platform, release kind and release status.
2. :func:`to_raw_catalog` writes the latent games exactly as the scraper wrote the
   raw CSV (date strings, Python list strings with split company suffixes, scrape
   errors, duplicated links, duplicate rows).
3. :func:`to_batch_input` formats games as daily scoring input.

New games after the catalog (the simulation's daily traffic) come from the catalog's
*universe*: :func:`catalog_universe` returns the franchises (names, popularity, latent
user/critic effects, genres, studios) and titles that the catalog's own seed drew, and
``generate_games(..., universe=...)`` samples new releases of those franchises with a
per-day seed, plus a small share of new franchises (``new_franchise_rate``) and new
studios (``new_developer_rate``). Without a universe every call invents its own
franchises (the catalog itself is drawn that way, so its bytes do not change).

CLI::

    python -m user_score.demo_data --rows 2000 --seed 20210301 \
        --out data/01_raw/games_catalog.csv
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from user_score import contracts

logger = logging.getLogger("user_score.demo_data")

DEFAULT_SEED = 20210301

# The raw catalog's and a daily batch's columns, in file order (the contracts own them).
RAW_COLUMNS = list(contracts.RAW_COLUMNS)
BATCH_COLUMNS = list(contracts.BATCH_COLUMNS)
RAW_DATE_FORMAT = "%b %-d, %Y"

# =====================================================================================
# CALIBRATION STATISTICS
# Aggregate statistics computed from the real scrape ../shared/data/nintendo_games.csv
# (1,026 rows). These are rates, means, frequencies and fitted effects -- NOT rows.
# Effects on the user score come from a ridge regression of user_score on meta_score,
# year, platform, ESRB, genre tags and developer (R2 0.59, residual sd 0.64, residual
# skew -1.0), shrunk towards zero for rare categories.
# =====================================================================================

# Row counts per platform (scrape errors re-assigned to their link platform).
PLATFORM_COUNTS: dict[str, int] = {
    "3DS": 259,
    "DS": 196,
    "WII": 189,
    "Switch": 141,
    "WIIU": 81,
    "GBA": 64,
    "GC": 52,
    "N64": 31,
    "iOS": 13,
}
# Platform -> slug used in Metacritic links.
PLATFORM_SLUGS: dict[str, str] = {
    "3DS": "3ds",
    "DS": "ds",
    "WII": "wii",
    "Switch": "switch",
    "WIIU": "wii-u",
    "GBA": "game-boy-advance",
    "GC": "gamecube",
    "N64": "nintendo-64",
    "iOS": "ios",
}
# Release-year counts per platform (dated rows only).
PLATFORM_YEAR_COUNTS: dict[str, dict[int, int]] = {
    "N64": {1996: 3, 1997: 5, 1998: 4, 1999: 4, 2000: 11, 2001: 4},
    "GBA": {2001: 6, 2002: 7, 2003: 13, 2004: 21, 2005: 12, 2006: 4, 2007: 1},
    "GC": {2001: 4, 2002: 9, 2003: 12, 2004: 12, 2005: 11, 2006: 4},
    "DS": {2004: 4, 2005: 16, 2006: 24, 2007: 16, 2008: 11, 2009: 64, 2010: 43, 2011: 9, 2012: 5},
    "WII": {2006: 20, 2007: 69, 2008: 27, 2009: 26, 2010: 25, 2011: 6, 2012: 9},
    "3DS": {
        2011: 27,
        2012: 31,
        2013: 51,
        2014: 29,
        2015: 22,
        2016: 37,
        2017: 42,
        2018: 12,
        2019: 3,
    },
    "WIIU": {2012: 4, 2013: 19, 2014: 14, 2015: 18, 2016: 14, 2017: 4},
    "Switch": {2017: 24, 2018: 35, 2019: 38, 2020: 37, 2021: 1},
    "iOS": {2015: 1, 2016: 3, 2017: 3, 2018: 2, 2019: 2, 2020: 1},
}
# Mean meta score per platform.
PLATFORM_META_MEAN: dict[str, float] = {
    "3DS": 73.5,
    "DS": 76.1,
    "WII": 73.5,
    "Switch": 78.0,
    "WIIU": 75.0,
    "GBA": 79.0,
    "GC": 77.9,
    "N64": 84.0,
    "iOS": 67.5,
}
# Platform effect on the user score given meta score and year (baseline WII).
PLATFORM_USER_EFFECT: dict[str, float] = {
    "3DS": -0.30,
    "DS": -0.20,
    "WII": 0.0,
    "Switch": -0.50,
    "WIIU": -0.12,
    "GBA": -0.04,
    "GC": 0.10,
    "N64": -0.15,
    "iOS": -1.10,
}
# Share of base games without a meta score, per platform (before DLC/ports/TBA rows,
# which are almost always unscored).
PLATFORM_META_MISSING: dict[str, float] = {
    "3DS": 0.25,
    "DS": 0.27,
    "WII": 0.46,
    "Switch": 0.27,
    "WIIU": 0.28,
    "GBA": 0.0,
    "GC": 0.01,
    "N64": 0.0,
    "iOS": 0.12,
}
# ESRB shares per platform, order (E, E10+, T, M, missing).
ESRB_CODES = ("E", "E10+", "T", "M")
PLATFORM_ESRB_SHARES: dict[str, tuple[float, float, float, float, float]] = {
    "3DS": (0.47, 0.15, 0.25, 0.00, 0.12),
    "DS": (0.78, 0.09, 0.03, 0.00, 0.10),
    "WII": (0.78, 0.08, 0.07, 0.00, 0.07),
    "Switch": (0.39, 0.21, 0.18, 0.04, 0.18),
    "WIIU": (0.41, 0.21, 0.12, 0.07, 0.17),
    "GBA": (0.94, 0.05, 0.00, 0.00, 0.02),
    "GC": (0.63, 0.06, 0.23, 0.04, 0.04),
    "N64": (0.87, 0.00, 0.06, 0.03, 0.03),
    "iOS": (0.15, 0.00, 0.15, 0.00, 0.69),
}
DEFAULT_ESRB_SHARES = (0.55, 0.15, 0.15, 0.03, 0.12)
ESRB_USER_EFFECT: dict[str, float] = {"E": 0.0, "E10+": -0.03, "T": -0.10, "M": 0.12, "": 0.03}
# Primary genre (first item of the genre list) counts, and per-primary probabilities
# that each secondary tag appears in the list.
GENRE_FAMILY_COUNTS: dict[str, int] = {
    "Action": 319,
    "Miscellaneous": 222,
    "Role-Playing": 125,
    "Strategy": 80,
    "Sports": 64,
    "Action Adventure": 60,
    "Driving": 38,
    "Simulation": 35,
    "Puzzle": 28,
    "Adventure": 13,
    "General": 8,
    "Racing": 5,
}
GENRE_FAMILY_TAGS: dict[str, dict[str, float]] = {
    "Action": {
        "2D": 0.42,
        "Platformer": 0.40,
        "3D": 0.21,
        "General": 0.20,
        "Shooter": 0.11,
        "Fighting": 0.11,
        "Beat-'Em-Up": 0.11,
        "Miscellaneous": 0.09,
        "Rhythm": 0.08,
        "Music": 0.08,
        "Arcade": 0.05,
        "First-Person": 0.04,
        "Sci-Fi": 0.03,
    },
    "Miscellaneous": {
        "General": 0.42,
        "Puzzle": 0.34,
        "Application": 0.14,
        "Party / Minigame": 0.12,
        "Edutainment": 0.11,
        "Party": 0.09,
        "Matching": 0.07,
        "Compilation": 0.06,
        "Logic": 0.05,
        "Action": 0.05,
        "Board / Card Game": 0.04,
        "Board Games": 0.04,
        "Parlor": 0.02,
        "Exercise / Fitness": 0.02,
    },
    "Role-Playing": {
        "Console-style RPG": 0.38,
        "Trainer": 0.30,
        "Action RPG": 0.24,
        "Japanese-Style": 0.23,
        "General": 0.11,
        "Roguelike": 0.05,
        "Tactics": 0.02,
        "Turn-Based": 0.02,
    },
    "Strategy": {
        "Turn-Based": 0.85,
        "Tactics": 0.76,
        "Fantasy": 0.55,
        "Real-Time": 0.12,
        "General": 0.09,
        "Modern": 0.05,
        "Sci-Fi": 0.04,
    },
    "Sports": {
        "Traditional": 0.61,
        "Arcade": 0.34,
        "Individual": 0.28,
        "General": 0.22,
        "Soccer": 0.16,
        "Golf": 0.16,
        "Tennis": 0.14,
        "Athletics": 0.11,
        "Sim": 0.09,
        "Boxing": 0.06,
        "Olympic Sports": 0.05,
        "Exercise / Fitness": 0.05,
    },
    "Action Adventure": {
        "Fantasy": 0.52,
        "General": 0.30,
        "Open-World": 0.27,
        "Linear": 0.07,
        "Horror": 0.07,
        "Modern": 0.05,
        "Survival": 0.05,
    },
    "Driving": {
        "Racing": 1.0,
        "Arcade": 0.47,
        "Kart": 0.42,
        "Automobile": 0.24,
        "Other": 0.18,
        "Futuristic": 0.16,
        "Motorcycle": 0.11,
        "Snow / Water": 0.11,
        "Motocross": 0.08,
    },
    "Simulation": {
        "Virtual": 0.69,
        "Virtual Life": 0.54,
        "Miscellaneous": 0.43,
        "General": 0.23,
        "Pet": 0.23,
        "Combat": 0.17,
        "Career": 0.14,
        "Vehicle": 0.09,
        "Flight": 0.09,
    },
    "Puzzle": {
        "Action": 0.39,
        "General": 0.25,
        "Matching": 0.18,
        "Stacking": 0.11,
        "Platformer": 0.11,
        "Logic": 0.07,
        "2D": 0.07,
    },
    "Adventure": {
        "General": 0.62,
        "Third-Person": 0.31,
        "3D": 0.23,
        "First-Person": 0.23,
        "Action": 0.15,
        "Modern": 0.15,
        "Fantasy": 0.15,
    },
    "General": {
        "General": 0.50,
        "Role-Playing": 0.38,
        "Puzzle": 0.38,
        "Miscellaneous": 0.38,
        "Action": 0.38,
        "Japanese-Style": 0.25,
    },
    "Racing": {"Arcade": 1.0, "Automobile": 0.8, "Futuristic": 0.2},
}
# Share of raw genre lists that repeat one item.
GENRE_DUPLICATE_RATE = 0.40
# Effect of a genre tag (anywhere in the list) on the user score.
GENRE_USER_EFFECT: dict[str, float] = {
    "Application": -0.80,
    "Trainer": -0.45,
    "Beat-'Em-Up": 0.35,
    "Simulation": -0.30,
    "Edutainment": -0.30,
    "Tactics": 0.20,
    "Racing": -0.18,
    "Music": -0.18,
    "Miscellaneous": -0.18,
    "Fantasy": -0.12,
    "Strategy": 0.14,
    "Sports": -0.14,
    "Open-World": 0.12,
    "Action": -0.10,
    "Role-Playing": 0.10,
    "Fighting": 0.10,
    "Compilation": 0.08,
    "Arcade": 0.05,
}
# First-developer counts (top studios) and their user-score effect; the remaining
# ~12 % of rows go to a long tail of small studios (invented names below).
DEVELOPER_COUNTS: dict[str, int] = {
    "Nintendo": 387,
    "Intelligent Systems": 88,
    "Game Freak": 43,
    "HAL Labs": 32,
    "Level 5": 31,
    "Omega Force": 15,
    "Arika": 15,
    "Camelot Software Planning": 15,
    "Rare Ltd.": 14,
    "Monolith Soft": 12,
    "Bandai Namco Games": 11,
    "Hudson": 10,
    "Next Level Games": 9,
    "Skip Ltd.": 9,
    "Square Enix": 8,
    "indieszero": 8,
    "Retro Studios": 8,
    "Capcom": 8,
    "Headstrong Games": 8,
    "Genius Sonority Inc.": 8,
    "Ambrella": 8,
    "PlatinumGames": 7,
    "Good-Feel": 7,
    "Creatures Inc.": 7,
    "TOSE": 7,
    "Nd Cube": 7,
    "Imagineer Co., Ltd.": 3,
    "Nintendo EAD Tokyo": 4,
}
DEVELOPER_TAIL_SHARE = 0.12
DEVELOPER_USER_EFFECT: dict[str, float] = {
    "Ambrella": -0.55,
    "Game Freak": -0.45,
    "Monolith Soft": 0.40,
    "Capcom": 0.30,
    "Intelligent Systems": -0.30,
    "Nd Cube": -0.30,
    "Headstrong Games": 0.28,
    "Arika": 0.25,
    "Level 5": 0.25,
    "PlatinumGames": 0.22,
    "HAL Labs": 0.20,
    "Square Enix": 0.15,
    "Hudson": -0.15,
    "Skip Ltd.": 0.12,
    "indieszero": -0.12,
    "Nintendo": -0.12,
    "Retro Studios": 0.12,
    "Genius Sonority Inc.": -0.12,
    "Camelot Software Planning": -0.10,
    "TOSE": -0.10,
    "Omega Force": 0.08,
}
CO_DEVELOPER_RATE = 0.09  # rows with more than one developer
# Real spellings of company names whose comma the scraper splits into a separate item.
DEVELOPER_RAW_SPELLING: dict[str, str] = {
    "Imagineer Co., Ltd.": "Imagineer Co.,Ltd.",
    "Nintendo EAD Tokyo": "Nintendo EAD Tokyo ",
}
# Global score calibration.
USER_SCORE_MEAN = 7.70  # real mean 7.70, sd 1.02, range 2.0-9.7
META_SCORE_MEAN = 76.0  # real mean 76, sd 10.8, range 37-99
META_SLOPE = 0.056  # user points per meta point (real OLS slope 0.058 incl. confounding)
USER_YEAR_SLOPE = -0.030  # per year, on top of the platform effects
META_YEAR_SLOPE = -0.25  # per year, within platform
USER_NOISE_SD = 0.62
META_NOISE_SD = 8.6
FRANCHISE_USER_SD = 0.30
FRANCHISE_META_SD = 5.0
# Release kinds (DLC packs, later ports, simultaneous multi-platform twins).
KIND_SHARES = {"dlc": 0.08, "port": 0.05, "twin": 0.03}
KIND_USER_EFFECT = {"base": 0.0, "twin": -0.05, "port": -0.25, "dlc": -0.40}
KIND_META_MISSING = {"dlc": 0.97, "port": 0.65}
# P(user score missing | meta score present / missing).
USER_MISSING_GIVEN_META = 0.03
USER_MISSING_GIVEN_NO_META = 0.50
# Unreleased rows: share of rows per raw date status (real: 16 TBA, 11 Canceled,
# 3 "TBA <year>", 1 "Q<n> <year>"); TBA rows keep scores 19 % of the time.
DATE_STATUS_SHARES = {"TBA": 0.0156, "Canceled": 0.0107, "TBA_YEAR": 0.0029, "QUARTER": 0.001}
TBA_SCORED_RATE = 0.19
RP_RATE_UNRELEASED = 0.10
# Missing rates of the list columns.
DEVELOPERS_MISSING = 0.012
GENRES_MISSING = 0.009
# Successor / concurrent platforms used for ports and multi-platform twins.
PORT_TARGETS: dict[str, tuple[str, ...]] = {
    "N64": ("WII", "WIIU", "Switch"),
    "GBA": ("DS", "WIIU", "3DS"),
    "GC": ("WII", "Switch"),
    "DS": ("3DS", "WIIU"),
    "WII": ("WIIU", "Switch"),
    "3DS": ("Switch",),
    "WIIU": ("Switch",),
    "Switch": ("iOS",),
    "iOS": ("Switch",),
}
TWIN_TARGETS: dict[str, tuple[str, ...]] = {
    "N64": ("GBA",),
    "GBA": ("GC",),
    "GC": ("GBA",),
    "DS": ("WII",),
    "WII": ("DS",),
    "3DS": ("WIIU",),
    "WIIU": ("3DS",),
    "Switch": ("iOS", "3DS"),
    "iOS": ("Switch",),
}
# =====================================================================================
# Invented vocabularies (no real titles): franchise names are made-up words.
# =====================================================================================
_SYLLABLE_HEADS = (
    "Zan",
    "Quil",
    "Mor",
    "Bex",
    "Tal",
    "Vry",
    "Olo",
    "Pim",
    "Krag",
    "Fen",
    "Syl",
    "Dro",
    "Wub",
    "Nix",
    "Jor",
    "Glim",
    "Yam",
    "Rho",
    "Tuv",
    "Pax",
    "Lum",
    "Brin",
    "Cazz",
    "Ulv",
    "Quo",
    "Tib",
    "Zef",
    "Orn",
    "Plix",
    "Hux",
)
_SYLLABLE_TAILS = (
    "dor",
    "bix",
    "wick",
    "aro",
    "lune",
    "tros",
    "mek",
    "vale",
    "zip",
    "orra",
    "umbo",
    "quist",
    "ello",
    "ax",
    "ipo",
    "garth",
    "oon",
    "ettle",
    "ryx",
    "amo",
)
_FRANCHISE_NOUNS = (
    "",
    "",
    "",
    "Quest",
    "Tales",
    "Rally",
    "Party",
    "Saga",
    "Legends",
    "Chronicles",
    "Arena",
    "Academy",
    "Odyssey",
    "Pinball",
    "Puzzle League",
    "Golf",
    "Kart",
    "Islands",
    "Heroes",
    "Frontier",
    "Dash",
    "World",
    "Brigade",
)
_SUB_ADJECTIVES = (
    "Crystal",
    "Ember",
    "Hidden",
    "Silent",
    "Clockwork",
    "Lunar",
    "Velvet",
    "Broken",
    "Endless",
    "Golden",
    "Frozen",
    "Wandering",
    "Thunder",
    "Paper",
    "Neon",
    "Ancient",
    "Twilight",
    "Copper",
    "Sunken",
    "Wild",
)
_SUB_NOUNS = (
    "Tide",
    "Skies",
    "Lantern",
    "Kingdom",
    "Orchard",
    "Citadel",
    "Harbor",
    "Engine",
    "Labyrinth",
    "Meadow",
    "Signal",
    "Garden",
    "Voyage",
    "Summit",
    "Carnival",
    "Archive",
    "Canyon",
    "Parade",
    "Comet",
    "Workshop",
)
_TITLE_PREFIXES = ("New", "Super", "Mega", "Tiny", "Ultra")
_TITLE_SUFFIXES = ("Deluxe", "Plus", "DS", "Advance", "Remix", "Express", "Mini", "Party")
_PORT_SUFFIXES = ("", "Deluxe", "HD", "3D", "Classic", "Remastered")
_DLC_PACKS = (
    "Expansion Pass",
    "Bonus Maps",
    "Heroes Pack",
    "Challenge Set",
    "Story Pack",
    "Costume Bundle",
    "Extra Chapter",
    "Arena Pack",
)
_STUDIO_HEADS = (
    "Bramble",
    "Lantern",
    "Quartz",
    "Pebble",
    "Maple",
    "Otter",
    "Cobalt",
    "Juniper",
    "Moss",
    "Saffron",
)
_STUDIO_TAILS = (
    "Works",
    "Studios",
    "Interactive",
    "Soft",
    "Games Inc.",
    "Co., Ltd.",
    "Entertainment",
)
TAIL_DEVELOPERS = tuple(f"{h} {t}" for h in _STUDIO_HEADS for t in _STUDIO_TAILS)
# Scrape errors: a parenthesised tag in the title was parsed as the platform.
SCRAPE_ERROR_TAGS = ("TG16", "working title", "Genesis", "import")
# Games sampled from a universe (new releases after the catalog): the share of base games
# that start a brand-new franchise, and of games whose lead studio is a new one. With these,
# 37 % of a simulated day's games have a franchise key and 3.5 % a lead studio the catalog
# lacks (real scrape, games released since 2017: 34 % and 7 %).
NEW_FRANCHISE_RATE = 0.15
NEW_DEVELOPER_RATE = 0.02
DEFAULT_CATALOG_ROWS = 2000

_DAY_NS = 86_400 * 10**9


# -------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------
def slugify(text: str) -> str:
    """Make a Metacritic-style link slug (lowercase, punctuation dropped, dashes)."""
    text = text.lower().replace("&", " ")
    text = re.sub(r"[^a-z0-9+! \-]", "", text)
    return re.sub(r"-{2,}", "-", re.sub(r"\s+", "-", text.strip())).strip("-")


def _platform_slug(platform: str) -> str:
    return PLATFORM_SLUGS.get(platform, slugify(platform))


def _weights(values: Sequence[float]) -> np.ndarray:
    w = np.asarray(values, dtype=float)
    return w / w.sum()


def _tail_effects() -> dict[str, float]:
    """Fixed (seed-independent) user-score effects for the invented tail studios."""
    rng = np.random.default_rng(7)
    return dict(zip(TAIL_DEVELOPERS, rng.normal(0, 0.25, len(TAIL_DEVELOPERS)), strict=True))


_TAIL_EFFECT = _tail_effects()


def _developer_effect(devs: list[str]) -> float:
    if not devs:
        return 0.0
    first = devs[0]
    return DEVELOPER_USER_EFFECT.get(first, _TAIL_EFFECT.get(first, 0.0))


def _draw_dates(
    rng: np.random.Generator, platforms: np.ndarray, start: pd.Timestamp, end: pd.Timestamp
) -> np.ndarray:
    """Release dates (int64 ns) per row from the platform's year profile inside [start, end].

    Platforms without a profile (new/drifted platforms) release uniformly over the
    last four years of the window.
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
            chosen = rng.choice(years, size=len(idx), p=_weights(list(profile.values())))
            y_lo = np.array(
                [max(pd.Timestamp(year=int(y), month=1, day=1).value, lo_all) for y in chosen]
            )
            y_hi = np.array(
                [
                    min(pd.Timestamp(year=int(y) + 1, month=1, day=1).value - 1, hi_all)
                    for y in chosen
                ]
            )
        else:
            y_lo = np.full(len(idx), max(lo_all, (end - pd.DateOffset(years=4)).value))
            y_hi = np.full(len(idx), hi_all)
        span = np.maximum(y_hi - y_lo, 1)
        out[idx] = y_lo + (rng.random(len(idx)) * span).astype(np.int64)
    return out // _DAY_NS * _DAY_NS


def _draw_genres(rng: np.random.Generator, n: int) -> list[list[str]]:
    """Clean (unique) genre lists: primary family + Bernoulli secondary tags."""
    families = list(GENRE_FAMILY_COUNTS)
    fam = rng.choice(families, size=n, p=_weights(list(GENRE_FAMILY_COUNTS.values())))
    out: list[list[str]] = []
    for f in fam:
        tags = GENRE_FAMILY_TAGS[f]
        names = list(tags)
        keep = rng.random(len(names)) < np.array(list(tags.values()))
        chosen = [t for t, k in zip(names, keep, strict=True) if k and t != f]
        if not chosen:
            chosen = [names[int(rng.integers(len(names)))]]
            if chosen[0] == f:
                chosen = []
        out.append([str(f), *chosen])
    return out


def _draw_developers(rng: np.random.Generator, n: int) -> list[list[str]]:
    names = list(DEVELOPER_COUNTS)
    head_w = _weights(list(DEVELOPER_COUNTS.values())) * (1 - DEVELOPER_TAIL_SHARE)
    tail_w = np.full(len(TAIL_DEVELOPERS), DEVELOPER_TAIL_SHARE / len(TAIL_DEVELOPERS))
    pool = np.array(names + list(TAIL_DEVELOPERS), dtype=object)
    p = np.concatenate([head_w, tail_w])
    first = rng.choice(pool, size=n, p=p)
    second = rng.choice(pool, size=n, p=p)
    co = rng.random(n) < CO_DEVELOPER_RATE
    return [
        [str(a), str(b)] if c and a != b else [str(a)]
        for a, b, c in zip(first, second, co, strict=True)
    ]


def _franchise_name(rng: np.random.Generator) -> str:
    word = str(rng.choice(_SYLLABLE_HEADS)) + str(rng.choice(_SYLLABLE_TAILS))
    noun = str(rng.choice(_FRANCHISE_NOUNS))
    return f"{word} {noun}".strip()


def _new_studio_name(rng: np.random.Generator) -> str:
    """An invented studio outside the known pools (made-up word + a company suffix)."""
    word = str(rng.choice(_SYLLABLE_HEADS)) + str(rng.choice(_SYLLABLE_TAILS))
    return f"{word} {rng.choice(_STUDIO_TAILS)}"


@dataclass(frozen=True)
class GameUniverse:
    """The franchises a catalog was drawn from, so that later games can continue them.

    Attributes:
        seed: the generator seed that drew this universe (the catalog's seed).
        names: franchise names.
        weights: franchise popularity (probability that a base game belongs to it).
        user_effect, meta_effect: latent franchise effects on user and critic scores.
        genres, developers: each franchise's usual genre list and studio list.
        released: base games each franchise already has (numbering of the next titles).
        titles: every title already used (new titles avoid them).
    """

    seed: int
    names: tuple[str, ...]
    weights: np.ndarray
    user_effect: np.ndarray
    meta_effect: np.ndarray
    genres: tuple[tuple[str, ...], ...]
    developers: tuple[tuple[str, ...], ...]
    released: np.ndarray
    titles: frozenset[str]

    def __len__(self) -> int:
        return len(self.names)


def _subtitle(rng: np.random.Generator) -> str:
    art = "the " if rng.random() < 0.3 else ""
    return f"{art}{rng.choice(_SUB_ADJECTIVES)} {rng.choice(_SUB_NOUNS)}"


def _base_title(rng: np.random.Generator, franchise: str, k: int) -> str:
    """k-th game of a franchise (k = 0 is the franchise name itself)."""
    if k == 0:
        return franchise
    r = rng.random()
    if r < 0.35:
        return f"{franchise}: {_subtitle(rng)}"
    if r < 0.55 and k < 5:
        return f"{franchise} {k + 1}"
    if r < 0.70:
        return f"{rng.choice(_TITLE_PREFIXES)} {franchise}"
    if r < 0.85:
        return f"{franchise} {rng.choice(_TITLE_SUFFIXES)}"
    return f"{franchise}: {_subtitle(rng)}"


# -------------------------------------------------------------------------------------
# Public API
# -------------------------------------------------------------------------------------
def generate_games(
    n_games: int,
    seed: int,
    start: str = "1996-01-01",
    end: str = "2021-03-01",
    drift: dict | None = None,
    universe: GameUniverse | None = None,
    new_franchise_rate: float = NEW_FRANCHISE_RATE,
    new_developer_rate: float = NEW_DEVELOPER_RATE,
) -> pd.DataFrame:
    """Draw ``n_games`` latent, typed game releases (one row per title/platform).

    Args:
        n_games: number of rows to return.
        seed: seed of the ``numpy.random.Generator``; equal seeds give equal frames.
        start, end: release-date window (ISO dates).
        drift: optional distribution shift with keys ``meta_score_shift`` (float added
            to the observed meta score *after* the user score is drawn, i.e. pure
            covariate drift), ``new_genres`` (list) + ``new_genre_rate`` (default 0.3),
            ``new_platforms`` (list) + ``new_platform_rate`` (default 0.3) and
            ``platform_mix`` (dict platform -> weight replacing the default mix).
        universe: franchises to continue (e.g. :func:`catalog_universe`): base games
            belong to them with their popularity, effects, genres and studios, and
            get new titles. ``None``: the call invents its own franchises (``seed``
            then decides the universe too; the catalog is drawn this way).
        new_franchise_rate: with a universe, share of base games that start a new
            franchise instead.
        new_developer_rate: with a universe, share of base games whose lead studio is
            a new one (unknown to the universe and to the studio pools).

    Returns:
        DataFrame with columns ``title, platform, release_date, date_raw, meta_score,
        user_score, esrb_rating, developers, genres, link, franchise, kind, year``.
        ``user_score`` is NaN when the game would have no user score on the site;
        ``developers``/``genres`` are clean lists (empty when unknown).
    """
    return _generate_games(
        n_games, seed, start, end, drift, universe, new_franchise_rate, new_developer_rate
    )[0]


def catalog_universe(seed: int = DEFAULT_SEED, n_rows: int = DEFAULT_CATALOG_ROWS) -> GameUniverse:
    """The universe (franchises, studios, titles) of ``generate_catalog(n_rows, seed)``.

    The default arguments give the universe of the committed demo catalog, i.e. the
    franchises the demo model was trained on. Computed once per process (read-only).
    """
    return _catalog_universe(int(seed), int(n_rows))


@lru_cache(maxsize=4)
def _catalog_universe(seed: int, n_rows: int) -> GameUniverse:
    n_games = n_rows - N_RAW_EXTRA_ROWS if n_rows >= 300 else n_rows
    return _generate_games(n_games, seed)[1]


def _generate_games(
    n_games: int,
    seed: int,
    start: str = "1996-01-01",
    end: str = "2021-03-01",
    drift: dict | None = None,
    universe: GameUniverse | None = None,
    new_franchise_rate: float = NEW_FRANCHISE_RATE,
    new_developer_rate: float = NEW_DEVELOPER_RATE,
) -> tuple[pd.DataFrame, GameUniverse]:
    """:func:`generate_games` and the universe its games came from."""
    if n_games < 1:
        raise ValueError("n_games must be positive")
    drift = dict(drift or {})
    unknown = set(drift) - {
        "meta_score_shift",
        "new_genres",
        "new_genre_rate",
        "new_platforms",
        "new_platform_rate",
        "platform_mix",
    }
    if unknown:
        raise ValueError(f"unknown drift keys: {sorted(unknown)}")
    rng = np.random.default_rng(seed)
    t_start, t_end = pd.Timestamp(start), pd.Timestamp(end)

    # ---- row kinds -------------------------------------------------------------------
    n_dlc = round(n_games * KIND_SHARES["dlc"])
    n_port = round(n_games * KIND_SHARES["port"])
    n_twin = round(n_games * KIND_SHARES["twin"])
    n_base = max(n_games - n_dlc - n_port - n_twin, 1)
    n_dlc, n_port, n_twin = (min(x, n_games - n_base) for x in (n_dlc, n_port, n_twin))
    n_twin = n_games - n_base - n_dlc - n_port

    # ---- base games: platform, date, franchise ---------------------------------------
    mix = drift.get("platform_mix") or PLATFORM_COUNTS
    mix_names = np.array(list(mix), dtype=object)
    platform = rng.choice(mix_names, size=n_base, p=_weights(list(mix.values())))
    new_platforms = list(drift.get("new_platforms") or [])
    if new_platforms:
        hit = rng.random(n_base) < float(drift.get("new_platform_rate", 0.3))
        platform[hit] = rng.choice(np.array(new_platforms, dtype=object), size=hit.sum())
    release_ns = _draw_dates(rng, platform.astype(str), t_start, t_end)

    if universe is None:
        # A universe of its own: Zipf-popular franchises with their traits.
        n_franchises = max(1, n_base // 3)
        fr_weights = _weights(1.0 / np.arange(1, n_franchises + 1) ** 0.9)
        franchise = rng.choice(n_franchises, size=n_base, p=fr_weights)
        fr_names: list[str] = []
        seen_names: set[str] = set()
        while len(fr_names) < n_franchises:
            name = _franchise_name(rng)
            if name not in seen_names:
                seen_names.add(name)
                fr_names.append(name)
        fr_user = rng.normal(0, FRANCHISE_USER_SD, n_franchises)
        fr_meta = rng.normal(0, FRANCHISE_META_SD, n_franchises)
        fr_genres = _draw_genres(rng, n_franchises)
        fr_devs = _draw_developers(rng, n_franchises)
        released: dict[int, int] = {}
        used: set[str] = set()
    else:
        # New releases of the universe's franchises; a few start new franchises.
        n_known = len(universe)
        franchise = rng.choice(n_known, size=n_base, p=universe.weights)
        fresh = np.flatnonzero(rng.random(n_base) < float(new_franchise_rate))
        fr_names = list(universe.names)
        seen_names = set(fr_names)
        while len(fr_names) < n_known + len(fresh):
            name = _franchise_name(rng)
            if name not in seen_names:
                seen_names.add(name)
                fr_names.append(name)
        franchise[fresh] = n_known + np.arange(len(fresh))
        fr_user = np.concatenate(
            [universe.user_effect, rng.normal(0, FRANCHISE_USER_SD, len(fresh))]
        )
        fr_meta = np.concatenate(
            [universe.meta_effect, rng.normal(0, FRANCHISE_META_SD, len(fresh))]
        )
        fr_genres = [list(g) for g in universe.genres] + _draw_genres(rng, len(fresh))
        fr_devs = [list(d) for d in universe.developers] + _draw_developers(rng, len(fresh))
        released = {f: int(c) for f, c in enumerate(universe.released) if c}
        used = set(universe.titles)

    # Per-game genres/developers: mostly the franchise's, sometimes re-drawn.
    game_genres = _draw_genres(rng, n_base)
    game_devs = _draw_developers(rng, n_base)
    keep_g = rng.random(n_base) < 0.75
    keep_d = rng.random(n_base) < 0.70
    genres = [
        list(fr_genres[f]) if k else g
        for f, k, g in zip(franchise, keep_g, game_genres, strict=True)
    ]
    devs = [
        list(fr_devs[f]) if k else d for f, k, d in zip(franchise, keep_d, game_devs, strict=True)
    ]
    if universe is not None and new_developer_rate > 0:
        for i in np.flatnonzero(rng.random(n_base) < float(new_developer_rate)):
            devs[i] = [_new_studio_name(rng), *devs[i][1:]]

    # Titles: order games inside a franchise by date.
    order = np.lexsort((release_ns, franchise))
    titles = np.empty(n_base, dtype=object)
    k_in_fr = dict(released)
    for i in order:
        f = int(franchise[i])
        k = k_in_fr.get(f, 0)
        k_in_fr[f] = k + 1
        title = _base_title(rng, fr_names[f], k)
        while title in used:
            title = f"{fr_names[f]}: {_subtitle(rng)}"
        used.add(title)
        titles[i] = title

    base = pd.DataFrame(
        {
            "title": titles,
            "platform": platform,
            "release_ns": release_ns,
            "franchise": franchise,
            "kind": "base",
            "genres": genres,
            "developers": devs,
            "parent": np.arange(n_base),
        }
    )

    # ---- derived rows: DLC, ports, twins ---------------------------------------------
    def derived(n: int, kind: str) -> pd.DataFrame:
        if n <= 0:
            return base.iloc[0:0].copy()
        parent = rng.integers(0, n_base, size=n)
        d = base.iloc[parent].copy().reset_index(drop=True)
        d["kind"] = kind
        d["parent"] = parent
        d["genres"] = [list(g) for g in d["genres"]]
        d["developers"] = [list(x) for x in d["developers"]]
        plats = d["platform"].astype(str).to_numpy()
        if kind == "dlc":
            parent_ns = d["release_ns"].to_numpy()
            room = np.clip(t_end.value - parent_ns, 0, 420 * _DAY_NS)
            d["release_ns"] = parent_ns + (rng.random(n) * room).astype(np.int64)
            d["release_ns"] = d["release_ns"] // _DAY_NS * _DAY_NS
            packs = rng.choice(_DLC_PACKS, size=n)
            chars = [
                f"{a}{b}"
                for a, b in zip(
                    rng.choice(_SYLLABLE_HEADS, size=n),
                    rng.choice(_SYLLABLE_TAILS, size=n),
                    strict=True,
                )
            ]
            style = rng.random(n)
            d["title"] = [
                f"{t}: {c}" if s < 0.4 and ":" not in t else f"{t} - {p} {int(s * 10) % 4 + 1}"
                for t, c, p, s in zip(d["title"], chars, packs, style, strict=True)
            ]
        else:
            targets = PORT_TARGETS if kind == "port" else TWIN_TARGETS
            new_plat = np.array(
                [rng.choice(targets.get(p, tuple(PLATFORM_COUNTS))) for p in plats],
                dtype=object,
            )
            d["platform"] = new_plat
            if kind == "port":
                own = _draw_dates(rng, new_plat.astype(str), t_start, t_end)
                parent_ns = d["release_ns"].to_numpy()
                port_ns = np.maximum(own, parent_ns + 180 * _DAY_NS)
                late = port_ns > t_end.value
                port_ns[late] = parent_ns[late] + (
                    rng.random(late.sum()) * (t_end.value - parent_ns[late])
                ).astype(np.int64)
                d["release_ns"] = port_ns // _DAY_NS * _DAY_NS
                suffix = rng.choice(_PORT_SUFFIXES, size=n)
                d["title"] = [f"{t} {s}".strip() for t, s in zip(d["title"], suffix, strict=True)]
            else:
                shift = rng.integers(-20, 21, size=n) * _DAY_NS
                d["release_ns"] = np.clip(
                    d["release_ns"].to_numpy() + shift, t_start.value, t_end.value
                )
        return d

    games = pd.concat(
        [base, derived(n_dlc, "dlc"), derived(n_port, "port"), derived(n_twin, "twin")],
        ignore_index=True,
    )
    # Keep (title, platform) unique: derived rows that collide become numbered editions.
    dup = games.duplicated(["title", "platform"])
    games.loc[dup, "title"] = [
        f"{t} {_roman(i + 2)}" for i, t in enumerate(games.loc[dup, "title"])
    ]
    n = len(games)

    # ---- drift: new genres -----------------------------------------------------------
    new_genres = list(drift.get("new_genres") or [])
    if new_genres:
        hit = np.flatnonzero(rng.random(n) < float(drift.get("new_genre_rate", 0.3)))
        picks = rng.choice(np.array(new_genres, dtype=object), size=len(hit))
        for i, g in zip(hit, picks, strict=True):
            games.at[i, "genres"] = [*games.at[i, "genres"], str(g)]

    plat = games["platform"].astype(str).to_numpy()
    rel = pd.to_datetime(games["release_ns"].to_numpy())
    year = rel.year.to_numpy().astype(float)
    kind = games["kind"].to_numpy().astype(str)
    fr = games["franchise"].to_numpy()

    # ---- ESRB ------------------------------------------------------------------------
    shares = np.array([PLATFORM_ESRB_SHARES.get(p, DEFAULT_ESRB_SHARES) for p in plat])
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    code_idx = (rng.random(n)[:, None] > cum).sum(axis=1)
    esrb = np.array([*ESRB_CODES, ""], dtype=object)[np.minimum(code_idx, 4)]
    # Family-friendly genres are rarely rated T/M.
    soft = np.array(
        [
            bool(g) and g[0] in {"Miscellaneous", "Puzzle", "Sports", "Driving"}
            for g in games["genres"]
        ]
    )
    soften = soft & np.isin(esrb, ["T", "M"]) & (rng.random(n) < 0.4)
    esrb[soften] = "E"
    # Derived releases share the parent's rating.
    par = games["parent"].to_numpy()
    derived_mask = kind != "base"
    esrb[derived_mask] = esrb[par[derived_mask]]

    # ---- latent scores ---------------------------------------------------------------
    meta_mean = np.array([PLATFORM_META_MEAN.get(p, META_SCORE_MEAN) for p in plat])
    plat_year_mid = np.array(
        [
            np.average(
                list(PLATFORM_YEAR_COUNTS[p]), weights=list(PLATFORM_YEAR_COUNTS[p].values())
            )
            if p in PLATFORM_YEAR_COUNTS
            else 2018.0
            for p in plat
        ]
    )
    genre_eff = np.array([sum(GENRE_USER_EFFECT.get(t, 0.0) for t in g) for g in games["genres"]])
    dev_eff = np.array([_developer_effect(d) for d in games["developers"]])
    year_f = np.where(np.isnan(year), 2015.0, year)
    # Critics: left-skewed noise, franchise quality, studio quality (shared with users).
    meta_noise = -(rng.gamma(6.0, 1.0, n) - 6.0) / np.sqrt(6.0)
    meta = (
        meta_mean
        + _META_INTERCEPT_ADJ
        + META_YEAR_SLOPE * (year_f - plat_year_mid)
        + fr_meta[fr]
        + 8.0 * dev_eff
        + 4.0 * genre_eff
        + META_NOISE_SD * meta_noise
    )
    # Ports/twins re-use the parent's critical reception (with noise).
    meta[derived_mask] = meta[par[derived_mask]] + rng.normal(0, 3.0, derived_mask.sum())
    meta = np.clip(np.round(meta), 20, 99)

    user_noise = -(rng.gamma(1.6, 1.0, n) - 1.6) / np.sqrt(1.6)  # skew -1.6, sd 1
    user = (
        USER_SCORE_MEAN
        + META_SLOPE * (meta - META_SCORE_MEAN)
        + USER_YEAR_SLOPE * (year_f - 2010)
        + np.array([PLATFORM_USER_EFFECT.get(p, 0.0) for p in plat])
        + genre_eff
        + dev_eff
        + np.array([ESRB_USER_EFFECT.get(e, 0.0) for e in esrb])
        + np.array([KIND_USER_EFFECT[k] for k in kind])
        + fr_user[fr]
        + USER_NOISE_SD * user_noise
        + _USER_INTERCEPT_ADJ
    )
    user = np.round(np.clip(user, 0.5, 9.8), 1)

    # ---- release status (TBA / Canceled ...) -----------------------------------------
    status = np.full(n, "date", dtype=object)
    u = rng.random(n)
    edges = np.cumsum(list(DATE_STATUS_SHARES.values()))
    for name, lo, hi in zip(DATE_STATUS_SHARES, np.r_[0, edges[:-1]], edges, strict=True):
        status[(u >= lo) & (u < hi) & (kind == "base")] = name
    date_raw = np.array([ts.strftime(RAW_DATE_FORMAT) for ts in rel], dtype=object)
    date_raw[status == "TBA"] = "TBA"
    date_raw[status == "Canceled"] = "Canceled"
    ym = status == "TBA_YEAR"
    date_raw[ym] = [f"TBA {int(y)}" for y in year[ym]]
    qm = status == "QUARTER"
    date_raw[qm] = [
        f"Q{(m - 1) // 3 + 1} {int(y)}"
        for m, y in zip(rel.month.to_numpy()[qm], year[qm], strict=True)
    ]
    unreleased = status != "date"
    release_date = pd.Series(rel).where(~unreleased)
    esrb[unreleased & (rng.random(n) < RP_RATE_UNRELEASED)] = "RP"

    # ---- score missingness -----------------------------------------------------------
    p_meta_na = np.array([PLATFORM_META_MISSING.get(p, 0.3) for p in plat])
    for k, p in KIND_META_MISSING.items():
        p_meta_na[kind == k] = p
    meta_na = rng.random(n) < p_meta_na
    p_user_na = np.where(meta_na, USER_MISSING_GIVEN_NO_META, USER_MISSING_GIVEN_META)
    p_user_na[kind == "dlc"] = np.where(meta_na[kind == "dlc"], 0.93, 0.3)
    user_na = rng.random(n) < p_user_na
    recent = rel > (t_end - pd.Timedelta(days=60))
    no_scores = recent | (unreleased & ~((status == "TBA") & (rng.random(n) < TBA_SCORED_RATE)))
    meta_na |= no_scores
    user_na |= no_scores
    meta_obs = np.where(meta_na, np.nan, meta + float(drift.get("meta_score_shift", 0.0)))
    user_obs = np.where(user_na, np.nan, user)

    # ---- list-column missingness -----------------------------------------------------
    dev_lists = [
        [] if m else list(d)
        for d, m in zip(games["developers"], rng.random(n) < DEVELOPERS_MISSING, strict=True)
    ]
    genre_lists = [
        [] if m else list(g)
        for g, m in zip(games["genres"], rng.random(n) < GENRES_MISSING, strict=True)
    ]

    out = pd.DataFrame(
        {
            "title": games["title"].astype(str),
            "platform": plat,
            "release_date": release_date.astype("datetime64[ns]"),
            "date_raw": date_raw.astype(str),
            "meta_score": meta_obs.astype(float),
            "user_score": user_obs.astype(float),
            "esrb_rating": pd.Series(esrb).replace("", np.nan).astype(object),
            "developers": dev_lists,
            "genres": genre_lists,
            "link": [
                f"/game/{_platform_slug(p)}/{slugify(t)}"
                for p, t in zip(plat, games["title"], strict=True)
            ],
            "franchise": [fr_names[f] for f in fr],
            "kind": kind,
            "year": pd.Series(year).where(~unreleased).astype("Float64"),
        }
    )
    if universe is None:
        universe = _frozen_universe(
            seed=seed,
            names=tuple(fr_names),
            weights=fr_weights,
            user_effect=fr_user,
            meta_effect=fr_meta,
            genres=tuple(tuple(g) for g in fr_genres),
            developers=tuple(tuple(d) for d in fr_devs),
            released=np.bincount(franchise, minlength=len(fr_names)),
            titles=frozenset(out["title"]),
        )
    return out, universe


def _frozen_universe(**fields) -> GameUniverse:
    """A :class:`GameUniverse` whose arrays are read-only (it may be cached and shared)."""
    for name in ("weights", "user_effect", "meta_effect", "released"):
        fields[name] = np.array(fields[name], copy=True)
        fields[name].flags.writeable = False
    return GameUniverse(**fields)


# Intercept correction so that the mean of *observed* user scores matches the real 7.70
# (the additive effects above do not average to zero over the default mix).
_USER_INTERCEPT_ADJ = 0.44
_META_INTERCEPT_ADJ = 1.5


def _roman(k: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, sym in numerals:
        while k >= value:
            out += sym
            k -= value
    return out


def _raw_developer_items(devs: list[str]) -> list[str]:
    """Scraper view of a developer list: joined with ', ' then split on ','."""
    joined = ", ".join(DEVELOPER_RAW_SPELLING.get(d, d) for d in devs)
    return joined.split(",")


def format_developers(devs: list[str]) -> float | str:
    """Raw list string of developers (NaN when unknown)."""
    return str(_raw_developer_items(devs)) if devs else np.nan


def format_genres(genres: list[str], rng: np.random.Generator | None = None) -> float | str:
    """Raw list string of genres, repeating one item for a share of rows when rng is given."""
    if not genres:
        return np.nan
    items = list(genres)
    if rng is not None and rng.random() < GENRE_DUPLICATE_RATE:
        item = items[int(rng.integers(len(items)))]
        items.insert(int(rng.integers(len(items) + 1)), item)
    return str(items)


def to_raw_catalog(games: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Format latent games exactly like the raw scraped CSV (9 columns, in order).

    Adds the scraper's artefacts: genre lists that repeat an item, split company
    suffixes and leading spaces in developer lists, a few scrape-error platforms
    (``TG16)``, ``working title)``) whose link slug keeps the true platform, two
    duplicated links (same game listed twice, the copy without scores) and a few exact
    duplicate rows. Rows are ordered by release date, newest first, undated last.
    """
    rng = np.random.default_rng([seed, 1])
    g = games.reset_index(drop=True)
    n = len(g)
    meta = pd.array(np.round(g["meta_score"].to_numpy(dtype=float)), dtype="Int64")
    raw = pd.DataFrame(
        {
            "meta_score": meta,
            "title": g["title"].astype(str).to_numpy(),
            "platform": g["platform"].astype(str).to_numpy(),
            "date": g["date_raw"].astype(str).to_numpy(),
            "user_score": np.round(g["user_score"].to_numpy(dtype=float), 1),
            "link": g["link"].astype(str).to_numpy(),
            "esrb_rating": g["esrb_rating"].to_numpy(),
            "developers": [format_developers(list(d)) for d in g["developers"]],
            "genres": [format_genres(list(x), rng) for x in g["genres"]],
        }
    )
    sort_key = g["release_date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    sort_key = np.where(g["release_date"].isna().to_numpy(), np.iinfo(np.int64).min, sort_key)

    # Scrape errors: "<title> (<tag>)" parsed with the tag as platform.
    n_err = 2 if n >= 300 else 0
    if n_err:
        err = rng.choice(n, size=n_err, replace=False)
        for j, i in enumerate(err):
            tag = SCRAPE_ERROR_TAGS[j % len(SCRAPE_ERROR_TAGS)]
            true_slug = raw.at[i, "link"].split("/")[2]
            title = f"{raw.at[i, 'title']} ({tag})"
            raw.at[i, "title"] = title
            raw.at[i, "platform"] = f"{tag})"
            raw.at[i, "link"] = f"/game/{true_slug}/{slugify(title)}"

    extra_rows = []
    extra_keys = []
    # Duplicated links: a scored game listed a second time without scores.
    scored = np.flatnonzero(raw["meta_score"].notna().to_numpy() & (sort_key > 0))
    if n >= 300 and len(scored) >= 2:
        for j, i in enumerate(rng.choice(scored, size=2, replace=False)):
            row = raw.iloc[i].copy()
            row["meta_score"] = pd.NA
            row["user_score"] = np.nan
            if j == 1:
                row["date"] = f"TBA {pd.Timestamp(sort_key[i]).year}"
            extra_rows.append(row)
            extra_keys.append(sort_key[i])
        # Exact duplicate rows.
        for i in rng.choice(n, size=3, replace=False):
            extra_rows.append(raw.iloc[i].copy())
            extra_keys.append(sort_key[i])
    if extra_rows:
        raw = pd.concat([raw, pd.DataFrame(extra_rows)], ignore_index=True)
        sort_key = np.concatenate([sort_key, np.array(extra_keys, dtype=np.int64)])
    order = np.argsort(-sort_key.astype(np.float64), kind="stable")
    raw = raw.iloc[order].reset_index(drop=True)
    raw["meta_score"] = raw["meta_score"].astype("Int64")
    raw["user_score"] = raw["user_score"].astype(float)
    for col in ("title", "platform", "date", "link", "esrb_rating", "developers", "genres"):
        raw[col] = raw[col].astype(object).where(raw[col].notna(), np.nan)
    return raw[RAW_COLUMNS]


N_RAW_EXTRA_ROWS = 5  # duplicated-link copies + exact duplicates added by to_raw_catalog


def to_batch_input(games: pd.DataFrame, id_prefix: str) -> pd.DataFrame:
    """Format games as daily scoring input (no user score).

    Columns ``id, title, platform, date, meta_score, esrb_rating, developers, genres``;
    ``date`` is ISO ``YYYY-MM-DD`` or ``TBA`` when unreleased; list columns are list
    strings in the scraper's developer format.
    """
    g = games.reset_index(drop=True)
    dates = g["release_date"]
    iso = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), "TBA")
    return pd.DataFrame(
        {
            "id": [f"{id_prefix}-{i:06d}" for i in range(len(g))],
            "title": g["title"].astype(str),
            "platform": g["platform"].astype(str),
            "date": iso.astype(str),
            "meta_score": g["meta_score"].astype(float),
            "esrb_rating": g["esrb_rating"],
            "developers": [format_developers(list(d)) for d in g["developers"]],
            "genres": [format_genres(list(x)) for x in g["genres"]],
        }
    )[BATCH_COLUMNS]


def generate_catalog(n_rows: int = 2000, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Raw catalog with ``n_rows`` rows (for n_rows >= 300, including artefact rows)."""
    n_games = n_rows - N_RAW_EXTRA_ROWS if n_rows >= 300 else n_rows
    return to_raw_catalog(generate_games(n_games, seed), seed)


def write_catalog(path: str | Path, n_rows: int = 2000, seed: int = DEFAULT_SEED) -> Path:
    """Write the raw catalog CSV reproducibly (byte-identical for equal arguments)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_catalog(n_rows, seed).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """CLI: ``python -m user_score.demo_data --rows 2000 --seed N --out FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("data/01_raw/games_catalog.csv"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = write_catalog(args.out, n_rows=args.rows, seed=args.seed)
    logger.info("wrote %d rows to %s (seed %d)", args.rows, out, args.seed)


if __name__ == "__main__":
    main()
