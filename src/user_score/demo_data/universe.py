"""Franchises: the universe a catalog is drawn from, and how later games continue it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from user_score.demo_data.attributes import draw_developers, draw_genres, weights
from user_score.demo_data.calibration import (
    FRANCHISE_META_SD,
    FRANCHISE_USER_SD,
    FRANCHISE_ZIPF_EXPONENT,
    GAMES_PER_FRANCHISE,
)
from user_score.demo_data.names import draw_franchise_names


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


@dataclass
class Franchises:
    """The franchises of one draw and the franchise of each base game.

    Attributes:
        of_game: franchise index of each base game.
        names, weights, user_effect, meta_effect, genres, developers: as in
            :class:`GameUniverse` (``weights`` is ``None`` when continuing a universe).
        released: base games each franchise had before this draw (index -> count).
        used_titles: titles taken before this draw.
    """

    of_game: np.ndarray
    names: list[str]
    weights: np.ndarray | None
    user_effect: np.ndarray
    meta_effect: np.ndarray
    genres: list[list[str]]
    developers: list[list[str]]
    released: dict[int, int]
    used_titles: frozenset[str]


def invent_franchises(rng: np.random.Generator, n_base: int) -> Franchises:
    """A universe of its own: Zipf-popular franchises (one per ``GAMES_PER_FRANCHISE``
    base games) with names, latent effects, genres and studios."""
    n_franchises = max(1, n_base // GAMES_PER_FRANCHISE)
    popularity = weights(1.0 / np.arange(1, n_franchises + 1) ** FRANCHISE_ZIPF_EXPONENT)
    of_game = rng.choice(n_franchises, size=n_base, p=popularity)
    names = draw_franchise_names(rng, [], n_franchises)
    # (in this order: each draw moves the generator on)
    user_effect = rng.normal(0, FRANCHISE_USER_SD, n_franchises)
    meta_effect = rng.normal(0, FRANCHISE_META_SD, n_franchises)
    genres = draw_genres(rng, n_franchises)
    developers = draw_developers(rng, n_franchises)
    return Franchises(
        of_game, names, popularity, user_effect, meta_effect, genres, developers, {}, frozenset()
    )


def continue_franchises(
    rng: np.random.Generator, universe: GameUniverse, n_base: int, new_franchise_rate: float
) -> Franchises:
    """New releases of ``universe``'s franchises, with their popularity, effects, genres
    and studios; a share ``new_franchise_rate`` of the games starts a new franchise."""
    n_known = len(universe)
    of_game = rng.choice(n_known, size=n_base, p=universe.weights)
    fresh = np.flatnonzero(rng.random(n_base) < float(new_franchise_rate))
    names = draw_franchise_names(rng, list(universe.names), n_known + len(fresh))
    of_game[fresh] = n_known + np.arange(len(fresh))
    user_effect = np.concatenate(
        [universe.user_effect, rng.normal(0, FRANCHISE_USER_SD, len(fresh))]
    )
    meta_effect = np.concatenate(
        [universe.meta_effect, rng.normal(0, FRANCHISE_META_SD, len(fresh))]
    )
    genres = [list(g) for g in universe.genres] + draw_genres(rng, len(fresh))
    developers = [list(d) for d in universe.developers] + draw_developers(rng, len(fresh))
    released = {f: int(c) for f, c in enumerate(universe.released) if c}
    return Franchises(
        of_game,
        names,
        None,
        user_effect,
        meta_effect,
        genres,
        developers,
        released,
        universe.titles,
    )


def to_universe(seed: int, franchises: Franchises, titles: frozenset[str]) -> GameUniverse:
    """The read-only :class:`GameUniverse` of an invented draw (it may be cached and shared)."""
    arrays = {
        "weights": franchises.weights,
        "user_effect": franchises.user_effect,
        "meta_effect": franchises.meta_effect,
        "released": np.bincount(franchises.of_game, minlength=len(franchises.names)),
    }
    for name, values in arrays.items():
        arrays[name] = np.array(values, copy=True)
        arrays[name].flags.writeable = False
    return GameUniverse(
        seed=seed,
        names=tuple(franchises.names),
        genres=tuple(tuple(g) for g in franchises.genres),
        developers=tuple(tuple(d) for d in franchises.developers),
        titles=titles,
        **arrays,
    )
