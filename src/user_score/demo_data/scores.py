"""ESRB ratings, the latent critic and user scores, and which of them the site shows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from user_score.demo_data.calibration import (
    DEFAULT_ESRB_SHARES,
    DERIVED_META_SD,
    DLC_USER_MISSING_GIVEN_META,
    DLC_USER_MISSING_GIVEN_NO_META,
    ESRB_CODES,
    ESRB_FAMILY_GENRES,
    ESRB_FAMILY_SOFTEN_RATE,
    ESRB_USER_EFFECT,
    KIND_META_MISSING,
    KIND_USER_EFFECT,
    META_DEVELOPER_WEIGHT,
    META_GENRE_WEIGHT,
    META_INTERCEPT_ADJUST,
    META_NOISE_GAMMA_SHAPE,
    META_NOISE_SD,
    META_RANGE,
    META_SCORE_MEAN,
    META_SLOPE,
    META_YEAR_SLOPE,
    NEW_PLATFORM_MID_YEAR,
    PLATFORM_ESRB_SHARES,
    PLATFORM_META_MEAN,
    PLATFORM_META_MISSING,
    PLATFORM_META_MISSING_DEFAULT,
    PLATFORM_USER_EFFECT,
    PLATFORM_YEAR_COUNTS,
    RECENT_DAYS,
    RP_RATE_UNRELEASED,
    TBA_SCORED_RATE,
    USER_INTERCEPT_ADJUST,
    USER_MISSING_GIVEN_META,
    USER_MISSING_GIVEN_NO_META,
    USER_NOISE_GAMMA_SHAPE,
    USER_NOISE_SD,
    USER_RANGE,
    USER_SCORE_MEAN,
    USER_YEAR_ORIGIN,
    USER_YEAR_SLOPE,
)


def draw_esrb(
    rng: np.random.Generator,
    platform: np.ndarray,
    genres: Sequence[list[str]],
    derived: np.ndarray,
    parent: np.ndarray,
) -> np.ndarray:
    """ESRB codes (``""`` = unrated) from the platform's shares; family-genre games are
    rarely T/M; derived releases (``derived``) share their ``parent``'s rating."""
    n = len(platform)
    shares = np.array([PLATFORM_ESRB_SHARES.get(p, DEFAULT_ESRB_SHARES) for p in platform])
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    code_idx = (rng.random(n)[:, None] > cum).sum(axis=1)
    esrb = np.array([*ESRB_CODES, ""], dtype=object)[np.minimum(code_idx, len(ESRB_CODES))]
    family = np.array([bool(g) and g[0] in ESRB_FAMILY_GENRES for g in genres])
    soften = family & np.isin(esrb, ["T", "M"]) & (rng.random(n) < ESRB_FAMILY_SOFTEN_RATE)
    esrb[soften] = "E"
    esrb[derived] = esrb[parent[derived]]
    return esrb


def _mean_year(platform: str) -> float:
    """The platform's mean release year (``NEW_PLATFORM_MID_YEAR`` for unknown ones)."""
    if platform not in PLATFORM_YEAR_COUNTS:
        return NEW_PLATFORM_MID_YEAR
    counts = PLATFORM_YEAR_COUNTS[platform]
    return float(np.average(list(counts), weights=list(counts.values())))


def _lookup(mapping: dict[str, float], keys: np.ndarray, default: float) -> np.ndarray:
    """``mapping[key]`` per key (``default`` when absent), one lookup per distinct key."""
    distinct, inverse = np.unique(keys.astype(str), return_inverse=True)
    return np.array([mapping.get(k, default) for k in distinct], dtype=float)[inverse]


def draw_meta_scores(
    rng: np.random.Generator,
    platform: np.ndarray,
    year: np.ndarray,
    franchise_effect: np.ndarray,
    developer_effect: np.ndarray,
    genre_effect: np.ndarray,
    derived: np.ndarray,
    parent: np.ndarray,
) -> np.ndarray:
    """Latent meta scores (integers): platform mean, year trend within the platform,
    franchise, studio and genre quality, left-skewed noise; derived releases re-use
    their parent's score with noise."""
    n = len(platform)
    mean_year = _lookup({p: _mean_year(p) for p in set(platform)}, platform, 0.0)
    noise = -(rng.gamma(META_NOISE_GAMMA_SHAPE, 1.0, n) - META_NOISE_GAMMA_SHAPE) / np.sqrt(
        META_NOISE_GAMMA_SHAPE
    )
    meta = (
        _lookup(PLATFORM_META_MEAN, platform, META_SCORE_MEAN)
        + META_INTERCEPT_ADJUST
        + META_YEAR_SLOPE * (year - mean_year)
        + franchise_effect
        + META_DEVELOPER_WEIGHT * developer_effect
        + META_GENRE_WEIGHT * genre_effect
        + META_NOISE_SD * noise
    )
    meta[derived] = meta[parent[derived]] + rng.normal(0, DERIVED_META_SD, derived.sum())
    return np.clip(np.round(meta), *META_RANGE)


def draw_user_scores(
    rng: np.random.Generator,
    meta: np.ndarray,
    platform: np.ndarray,
    year: np.ndarray,
    esrb: np.ndarray,
    kind: np.ndarray,
    franchise_effect: np.ndarray,
    developer_effect: np.ndarray,
    genre_effect: np.ndarray,
) -> np.ndarray:
    """Latent user scores (0.1 steps): the additive model of the ridge fit (meta score,
    year, platform, genre, studio, ESRB, release kind, franchise) plus left-skewed noise."""
    n = len(platform)
    noise = -(rng.gamma(USER_NOISE_GAMMA_SHAPE, 1.0, n) - USER_NOISE_GAMMA_SHAPE) / np.sqrt(
        USER_NOISE_GAMMA_SHAPE
    )
    user = (
        USER_SCORE_MEAN
        + META_SLOPE * (meta - META_SCORE_MEAN)
        + USER_YEAR_SLOPE * (year - USER_YEAR_ORIGIN)
        + _lookup(PLATFORM_USER_EFFECT, platform, 0.0)
        + genre_effect
        + developer_effect
        + _lookup(ESRB_USER_EFFECT, esrb, 0.0)
        + _lookup(KIND_USER_EFFECT, kind, 0.0)
        + franchise_effect
        + USER_NOISE_SD * noise
        + USER_INTERCEPT_ADJUST
    )
    return np.round(np.clip(user, *USER_RANGE), 1)


def mark_rating_pending(rng: np.random.Generator, esrb: np.ndarray, unreleased: np.ndarray) -> None:
    """Rate a share ``RP_RATE_UNRELEASED`` of the unreleased games ``RP`` (in place)."""
    esrb[unreleased & (rng.random(len(esrb)) < RP_RATE_UNRELEASED)] = "RP"


def draw_score_missingness(
    rng: np.random.Generator,
    platform: np.ndarray,
    kind: np.ndarray,
    release: pd.DatetimeIndex,
    status: np.ndarray,
    end: pd.Timestamp,
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of missing meta and user scores.

    Meta scores are missing at the platform's (or the release kind's) rate, user scores
    more often without a meta score; games released in the last ``RECENT_DAYS`` and
    unreleased games have neither (TBA games keep them ``TBA_SCORED_RATE`` of the time).
    """
    n = len(platform)
    p_meta_na = _lookup(PLATFORM_META_MISSING, platform, PLATFORM_META_MISSING_DEFAULT)
    for k, p in KIND_META_MISSING.items():
        p_meta_na[kind == k] = p
    meta_na = rng.random(n) < p_meta_na
    p_user_na = np.where(meta_na, USER_MISSING_GIVEN_NO_META, USER_MISSING_GIVEN_META)
    dlc = kind == "dlc"
    p_user_na[dlc] = np.where(
        meta_na[dlc], DLC_USER_MISSING_GIVEN_NO_META, DLC_USER_MISSING_GIVEN_META
    )
    user_na = rng.random(n) < p_user_na
    recent = release > (end - pd.Timedelta(days=RECENT_DAYS))
    unreleased = status != "date"
    tba_scored = (status == "TBA") & (rng.random(n) < TBA_SCORED_RATE)
    no_scores = recent | (unreleased & ~tba_scored)
    return meta_na | no_scores, user_na | no_scores


def drop_lists(rng: np.random.Generator, lists: Sequence[list[str]], rate: float) -> list[list]:
    """Copies of ``lists`` with a share ``rate`` emptied (unknown on the site)."""
    missing = rng.random(len(lists)) < rate
    return [[] if m else list(x) for x, m in zip(lists, missing, strict=True)]
