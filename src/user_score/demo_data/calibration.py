"""The generator's calibration and word pools, read once from the package's YAML files.

``calibration.yml`` holds aggregate statistics of the real scrape (rates, means,
category frequencies, fitted effects; each block says which statistic) and the knobs
set to reproduce them; ``vocabulary.yml`` holds the invented word pools that every
title, franchise and studio name is built from. Both ship with the package (package
data in ``pyproject.toml``). This module only exposes them as named constants; the
drawing steps live in the other modules.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def load_data_file(name: str) -> dict[str, Any]:
    """Parse the YAML data file ``name`` shipped inside this package."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


CALIBRATION = load_data_file("calibration.yml")
VOCABULARY = load_data_file("vocabulary.yml")

_platforms = CALIBRATION["platforms"]
PLATFORM_COUNTS: dict[str, int] = _platforms["counts"]
PLATFORM_SLUGS: dict[str, str] = _platforms["link_slugs"]
PLATFORM_YEAR_COUNTS: dict[str, dict[int, int]] = _platforms["year_counts"]
NEW_PLATFORM_YEARS: int = _platforms["new_platform_years"]
NEW_PLATFORM_MID_YEAR: float = _platforms["new_platform_mid_year"]
PLATFORM_META_MEAN: dict[str, float] = _platforms["meta_mean"]
PLATFORM_USER_EFFECT: dict[str, float] = _platforms["user_effect"]
PLATFORM_META_MISSING: dict[str, float] = _platforms["meta_missing"]
PLATFORM_META_MISSING_DEFAULT: float = _platforms["meta_missing_default"]

_esrb = CALIBRATION["esrb"]
ESRB_CODES: tuple[str, ...] = tuple(_esrb["codes"])
PLATFORM_ESRB_SHARES: dict[str, tuple[float, ...]] = {
    platform: tuple(shares) for platform, shares in _esrb["platform_shares"].items()
}
DEFAULT_ESRB_SHARES: tuple[float, ...] = tuple(_esrb["default_shares"])
ESRB_USER_EFFECT: dict[str, float] = _esrb["user_effect"]
ESRB_FAMILY_GENRES: frozenset[str] = frozenset(_esrb["family_genres"])
ESRB_FAMILY_SOFTEN_RATE: float = _esrb["family_soften_rate"]
RP_RATE_UNRELEASED: float = _esrb["rp_rate_unreleased"]

_genres = CALIBRATION["genres"]
GENRE_FAMILY_COUNTS: dict[str, int] = _genres["family_counts"]
GENRE_FAMILY_TAGS: dict[str, dict[str, float]] = _genres["family_tags"]
GENRE_DUPLICATE_RATE: float = _genres["duplicate_rate"]
GENRES_MISSING: float = _genres["missing_rate"]
GENRE_USER_EFFECT: dict[str, float] = _genres["user_effect"]

_developers = CALIBRATION["developers"]
DEVELOPER_COUNTS: dict[str, int] = _developers["counts"]
DEVELOPER_TAIL_SHARE: float = _developers["tail_share"]
DEVELOPER_USER_EFFECT: dict[str, float] = _developers["user_effect"]
TAIL_USER_EFFECT_SD: float = _developers["tail_user_effect_sd"]
CO_DEVELOPER_RATE: float = _developers["co_developer_rate"]
DEVELOPERS_MISSING: float = _developers["missing_rate"]
DEVELOPER_RAW_SPELLING: dict[str, str] = _developers["raw_spelling"]

_scores = CALIBRATION["scores"]
USER_SCORE_MEAN: float = _scores["user_mean"]
META_SCORE_MEAN: float = _scores["meta_mean"]
META_SLOPE: float = _scores["meta_slope"]
USER_YEAR_SLOPE: float = _scores["user_year_slope"]
USER_YEAR_ORIGIN: int = _scores["user_year_origin"]
META_YEAR_SLOPE: float = _scores["meta_year_slope"]
UNDATED_YEAR: float = _scores["undated_year"]
USER_NOISE_SD: float = _scores["user_noise_sd"]
META_NOISE_SD: float = _scores["meta_noise_sd"]
USER_NOISE_GAMMA_SHAPE: float = _scores["user_noise_gamma_shape"]
META_NOISE_GAMMA_SHAPE: float = _scores["meta_noise_gamma_shape"]
FRANCHISE_USER_SD: float = _scores["franchise_user_sd"]
FRANCHISE_META_SD: float = _scores["franchise_meta_sd"]
META_DEVELOPER_WEIGHT: float = _scores["meta_developer_weight"]
META_GENRE_WEIGHT: float = _scores["meta_genre_weight"]
DERIVED_META_SD: float = _scores["derived_meta_sd"]
META_RANGE: tuple[int, int] = tuple(_scores["meta_range"])
USER_RANGE: tuple[float, float] = tuple(_scores["user_range"])
USER_INTERCEPT_ADJUST: float = _scores["user_intercept_adjust"]
META_INTERCEPT_ADJUST: float = _scores["meta_intercept_adjust"]

_franchises = CALIBRATION["franchises"]
FRANCHISE_ZIPF_EXPONENT: float = _franchises["zipf_exponent"]
GAMES_PER_FRANCHISE: int = _franchises["games_per_franchise"]
KEEP_FRANCHISE_GENRES_RATE: float = _franchises["keep_genres_rate"]
KEEP_FRANCHISE_DEVELOPERS_RATE: float = _franchises["keep_developers_rate"]
NEW_FRANCHISE_RATE: float = _franchises["new_franchise_rate"]
NEW_DEVELOPER_RATE: float = _franchises["new_developer_rate"]

_kinds = CALIBRATION["kinds"]
KIND_SHARES: dict[str, float] = _kinds["shares"]
KIND_USER_EFFECT: dict[str, float] = _kinds["user_effect"]
KIND_META_MISSING: dict[str, float] = _kinds["meta_missing"]
DLC_USER_MISSING_GIVEN_META: float = _kinds["dlc_user_missing_given_meta"]
DLC_USER_MISSING_GIVEN_NO_META: float = _kinds["dlc_user_missing_given_no_meta"]
DLC_WINDOW_DAYS: int = _kinds["dlc_window_days"]
PORT_GAP_DAYS: int = _kinds["port_gap_days"]
TWIN_SHIFT_DAYS: int = _kinds["twin_shift_days"]
PORT_TARGETS: dict[str, tuple[str, ...]] = {p: tuple(t) for p, t in _kinds["port_targets"].items()}
TWIN_TARGETS: dict[str, tuple[str, ...]] = {p: tuple(t) for p, t in _kinds["twin_targets"].items()}

_missingness = CALIBRATION["missingness"]
USER_MISSING_GIVEN_META: float = _missingness["user_missing_given_meta"]
USER_MISSING_GIVEN_NO_META: float = _missingness["user_missing_given_no_meta"]
RECENT_DAYS: int = _missingness["recent_days"]

_status = CALIBRATION["release_status"]
DATE_STATUS_SHARES: dict[str, float] = _status["shares"]
TBA_SCORED_RATE: float = _status["tba_scored_rate"]

SYLLABLE_HEADS: tuple[str, ...] = tuple(VOCABULARY["syllable_heads"])
SYLLABLE_TAILS: tuple[str, ...] = tuple(VOCABULARY["syllable_tails"])
FRANCHISE_NOUNS: tuple[str, ...] = tuple(VOCABULARY["franchise_nouns"])
SUB_ADJECTIVES: tuple[str, ...] = tuple(VOCABULARY["sub_adjectives"])
SUB_NOUNS: tuple[str, ...] = tuple(VOCABULARY["sub_nouns"])
TITLE_PREFIXES: tuple[str, ...] = tuple(VOCABULARY["title_prefixes"])
TITLE_SUFFIXES: tuple[str, ...] = tuple(VOCABULARY["title_suffixes"])
PORT_SUFFIXES: tuple[str, ...] = tuple(VOCABULARY["port_suffixes"])
DLC_PACKS: tuple[str, ...] = tuple(VOCABULARY["dlc_packs"])
STUDIO_HEADS: tuple[str, ...] = tuple(VOCABULARY["studio_heads"])
STUDIO_TAILS: tuple[str, ...] = tuple(VOCABULARY["studio_tails"])
TAIL_DEVELOPERS: tuple[str, ...] = tuple(f"{h} {t}" for h in STUDIO_HEADS for t in STUDIO_TAILS)
SCRAPE_ERROR_TAGS: tuple[str, ...] = tuple(VOCABULARY["scrape_error_tags"])
