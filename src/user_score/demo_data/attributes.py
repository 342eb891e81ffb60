"""Per-game categories: platform, genre list, developer list (and their drifts)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from user_score.demo_data.calibration import (
    CO_DEVELOPER_RATE,
    DEVELOPER_COUNTS,
    DEVELOPER_TAIL_SHARE,
    DEVELOPER_USER_EFFECT,
    GENRE_FAMILY_COUNTS,
    GENRE_FAMILY_TAGS,
    GENRE_USER_EFFECT,
    KEEP_FRANCHISE_DEVELOPERS_RATE,
    KEEP_FRANCHISE_GENRES_RATE,
    PLATFORM_COUNTS,
    TAIL_DEVELOPERS,
    TAIL_USER_EFFECT_SD,
)
from user_score.demo_data.names import new_studio_name


def weights(values: Sequence[float]) -> np.ndarray:
    """``values`` normalised to probabilities."""
    w = np.asarray(values, dtype=float)
    return w / w.sum()


def draw_platforms(rng: np.random.Generator, n: int, drift: dict) -> np.ndarray:
    """Platforms of ``n`` base games: the real mix (or ``drift["platform_mix"]``), with a
    share ``new_platform_rate`` moved to ``drift["new_platforms"]`` when given."""
    mix = drift.get("platform_mix") or PLATFORM_COUNTS
    platform = rng.choice(np.array(list(mix), dtype=object), size=n, p=weights(list(mix.values())))
    new_platforms = list(drift.get("new_platforms") or [])
    if new_platforms:
        hit = rng.random(n) < float(drift.get("new_platform_rate", 0.3))
        platform[hit] = rng.choice(np.array(new_platforms, dtype=object), size=hit.sum())
    return platform


def draw_genres(rng: np.random.Generator, n: int) -> list[list[str]]:
    """Clean (unique) genre lists: primary family + Bernoulli secondary tags."""
    families = list(GENRE_FAMILY_COUNTS)
    fam = rng.choice(families, size=n, p=weights(list(GENRE_FAMILY_COUNTS.values())))
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


def draw_developers(rng: np.random.Generator, n: int) -> list[list[str]]:
    """Developer lists: a lead studio (top studios by real frequency, else the invented
    tail), and a second one for a share ``CO_DEVELOPER_RATE`` of the games."""
    names = list(DEVELOPER_COUNTS)
    head_w = weights(list(DEVELOPER_COUNTS.values())) * (1 - DEVELOPER_TAIL_SHARE)
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


def draw_game_lists(
    rng: np.random.Generator,
    franchise: np.ndarray,
    franchise_genres: Sequence[list[str]],
    franchise_developers: Sequence[list[str]],
    new_developer_rate: float,
) -> tuple[list[list[str]], list[list[str]]]:
    """Genre and developer lists of the base games: mostly their franchise's, sometimes
    re-drawn, and for a share ``new_developer_rate`` led by a brand-new studio."""
    n = len(franchise)
    game_genres = draw_genres(rng, n)
    game_devs = draw_developers(rng, n)
    keep_g = rng.random(n) < KEEP_FRANCHISE_GENRES_RATE
    keep_d = rng.random(n) < KEEP_FRANCHISE_DEVELOPERS_RATE
    genres = [
        list(franchise_genres[f]) if k else g
        for f, k, g in zip(franchise, keep_g, game_genres, strict=True)
    ]
    devs = [
        list(franchise_developers[f]) if k else d
        for f, k, d in zip(franchise, keep_d, game_devs, strict=True)
    ]
    if new_developer_rate > 0:
        for i in np.flatnonzero(rng.random(n) < float(new_developer_rate)):
            devs[i] = [new_studio_name(rng), *devs[i][1:]]
    return genres, devs


def add_new_genres(rng: np.random.Generator, games: pd.DataFrame, drift: dict) -> None:
    """Drift: append one of ``drift["new_genres"]`` to a share ``new_genre_rate`` of the
    games' genre lists (in place)."""
    new_genres = list(drift.get("new_genres") or [])
    if not new_genres:
        return
    hit = np.flatnonzero(rng.random(len(games)) < float(drift.get("new_genre_rate", 0.3)))
    picks = rng.choice(np.array(new_genres, dtype=object), size=len(hit))
    for i, g in zip(hit, picks, strict=True):
        games.at[i, "genres"] = [*games.at[i, "genres"], str(g)]


def _tail_effects() -> dict[str, float]:
    """Fixed (seed-independent) user-score effects for the invented tail studios."""
    rng = np.random.default_rng(7)
    effects = rng.normal(0, TAIL_USER_EFFECT_SD, len(TAIL_DEVELOPERS))
    return dict(zip(TAIL_DEVELOPERS, effects, strict=True))


_TAIL_EFFECT = _tail_effects()


def developer_effect(devs: list[str]) -> float:
    """User-score effect of a developer list's lead studio (0 for unknown studios)."""
    if not devs:
        return 0.0
    first = devs[0]
    return DEVELOPER_USER_EFFECT.get(first, _TAIL_EFFECT.get(first, 0.0))


def genre_effect(genres: list[str]) -> float:
    """User-score effect of a genre list (sum over its tags)."""
    return sum(GENRE_USER_EFFECT.get(t, 0.0) for t in genres)
