"""Invented names: franchise and studio names, game titles, link slugs.

Everything is built from the word pools of ``vocabulary.yml``, so no real title can
appear. Titles and franchise names must be unique; :class:`FreshValues` hands out
unused ones in amortised constant time.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from user_score.demo_data.calibration import (
    DLC_PACKS,
    FRANCHISE_NOUNS,
    PLATFORM_SLUGS,
    PORT_SUFFIXES,
    STUDIO_TAILS,
    SUB_ADJECTIVES,
    SUB_NOUNS,
    SYLLABLE_HEADS,
    SYLLABLE_TAILS,
    TITLE_PREFIXES,
    TITLE_SUFFIXES,
)

#: Redraws of a taken value before its key counts as crowded (see :class:`FreshValues`).
MAX_REDRAWS = 32

_ROMAN_NUMERALS = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def slugify(text: str) -> str:
    """Make a Metacritic-style link slug (lowercase, punctuation dropped, dashes)."""
    text = text.lower().replace("&", " ")
    text = re.sub(r"[^a-z0-9+! \-]", "", text)
    return re.sub(r"-{2,}", "-", re.sub(r"\s+", "-", text.strip())).strip("-")


def platform_slug(platform: str) -> str:
    """The platform's slug in Metacritic links (slugified name for unknown platforms)."""
    return PLATFORM_SLUGS.get(platform) or slugify(platform)


def roman(k: int) -> str:
    """``k`` in Roman numerals (the edition number of a repeated title)."""
    out = ""
    for value, symbol in _ROMAN_NUMERALS:
        count, k = divmod(k, value)
        out += symbol * count
    return out


def franchise_name(rng: np.random.Generator) -> str:
    """A made-up franchise name: a head + tail syllable word, maybe followed by a noun."""
    word = str(rng.choice(SYLLABLE_HEADS)) + str(rng.choice(SYLLABLE_TAILS))
    noun = str(rng.choice(FRANCHISE_NOUNS))
    return f"{word} {noun}".strip()


def all_franchise_names(_key: str = "") -> list[str]:
    """Every name :func:`franchise_name` can draw, once each."""
    combos = itertools.product(SYLLABLE_HEADS, SYLLABLE_TAILS, FRANCHISE_NOUNS)
    return list(dict.fromkeys(f"{h}{t} {noun}".strip() for h, t, noun in combos))


def new_studio_name(rng: np.random.Generator) -> str:
    """An invented studio outside the known pools (made-up word + a company suffix)."""
    word = str(rng.choice(SYLLABLE_HEADS)) + str(rng.choice(SYLLABLE_TAILS))
    return f"{word} {rng.choice(STUDIO_TAILS)}"


def subtitle(rng: np.random.Generator) -> str:
    """An invented subtitle, ``[the ]<adjective> <noun>``."""
    art = "the " if rng.random() < 0.3 else ""
    return f"{art}{rng.choice(SUB_ADJECTIVES)} {rng.choice(SUB_NOUNS)}"


def subtitled_titles(franchise: str) -> list[str]:
    """Every ``<franchise>: <subtitle>`` title :func:`subtitle` can make."""
    combos = itertools.product(("the ", ""), SUB_ADJECTIVES, SUB_NOUNS)
    return [f"{franchise}: {art}{adj} {noun}" for art, adj, noun in combos]


def base_title(rng: np.random.Generator, franchise: str, k: int) -> str:
    """Title of the k-th game of a franchise (k = 0 is the franchise name itself)."""
    if k == 0:
        return franchise
    r = rng.random()
    if r < 0.35:
        return f"{franchise}: {subtitle(rng)}"
    if r < 0.55 and k < 5:
        return f"{franchise} {k + 1}"
    if r < 0.70:
        return f"{rng.choice(TITLE_PREFIXES)} {franchise}"
    if r < 0.85:
        return f"{franchise} {rng.choice(TITLE_SUFFIXES)}"
    return f"{franchise}: {subtitle(rng)}"


def dlc_titles(rng: np.random.Generator, parents: Sequence[str]) -> list[str]:
    """DLC pack titles: ``<game>: <Character>`` or ``<game> - <Pack> <1-4>``."""
    n = len(parents)
    packs = rng.choice(DLC_PACKS, size=n)
    heads = rng.choice(SYLLABLE_HEADS, size=n)
    tails = rng.choice(SYLLABLE_TAILS, size=n)
    style = rng.random(n)
    return [
        f"{t}: {h}{tl}" if s < 0.4 and ":" not in t else f"{t} - {p} {int(s * 10) % 4 + 1}"
        for t, h, tl, p, s in zip(parents, heads, tails, packs, style, strict=True)
    ]


def port_titles(rng: np.random.Generator, parents: Sequence[str]) -> list[str]:
    """Port titles: the game's title, maybe with a remaster suffix (``HD``, ``Deluxe``...)."""
    suffix = rng.choice(PORT_SUFFIXES, size=len(parents))
    return [f"{t} {s}".strip() for t, s in zip(parents, suffix, strict=True)]


class FreshValues:
    """Hands out strings not used yet (titles, franchise names), in amortised O(1) each.

    :meth:`draw` keeps a first value if it is free and otherwise redraws while the value
    is taken (rejection sampling) -- at most :data:`MAX_REDRAWS` times. A key (for
    titles: the franchise) that needs more is *crowded*: its values then come from its
    still-free ``candidates(key)`` (listed once, drawn without replacement), then from
    the same candidates numbered 2, 3, ... Plain rejection sampling cost ever more draws
    as a franchise's ~800 possible subtitles filled up, and never ended once they were
    all taken, so ``generate_games`` was superlinear in n and hung past ~13,000 games.
    While fewer than :data:`MAX_REDRAWS` redraws are needed, the values (and the random
    draws) are exactly those of plain rejection sampling.
    """

    def __init__(self, used: Iterable[str], candidates: Callable[[str], list[str]]) -> None:
        self.used = set(used)
        self._candidates = candidates
        self._spare: dict[str, list[str]] = {}
        self._round: dict[str, int] = {}

    def draw(
        self,
        rng: np.random.Generator,
        key: str,
        first: str,
        redraw: Callable[[np.random.Generator], str],
    ) -> str:
        """``first``, or a redrawn/spare value if it is taken; the value is marked used."""
        value, redraws = first, 0
        while value in self.used:
            if key in self._spare or redraws == MAX_REDRAWS:
                value = self._spare_value(rng, key)
                break
            value = redraw(rng)
            redraws += 1
        self.used.add(value)
        return value

    def _spare_value(self, rng: np.random.Generator, key: str) -> str:
        """A free value of a crowded key, drawn at random from its remaining candidates."""
        spare = self._spare.setdefault(key, [])
        while True:
            while spare:
                j = int(rng.integers(len(spare)))
                spare[j], value = spare[-1], spare[j]
                spare.pop()
                if value not in self.used:
                    return value
            candidates = self._candidates(key)
            if not candidates:
                raise ValueError(f"no candidate values for {key!r}")
            round_ = self._round[key] = self._round.get(key, 0) + 1
            suffix = "" if round_ == 1 else f" {round_}"
            spare.extend(v for c in candidates if (v := c + suffix) not in self.used)


def draw_franchise_names(rng: np.random.Generator, names: list[str], total: int) -> list[str]:
    """``names`` followed by new, distinct invented names up to ``total`` names."""
    fresh = FreshValues(names, all_franchise_names)
    out = list(names)
    while len(out) < total:
        out.append(fresh.draw(rng, "", franchise_name(rng), franchise_name))
    return out


def draw_titles(
    rng: np.random.Generator,
    names: Sequence[str],
    franchise: np.ndarray,
    release_ns: np.ndarray,
    released: dict[int, int],
    used: Iterable[str],
) -> np.ndarray:
    """Titles of the base games, unique and unlike ``used``.

    Inside a franchise, games are numbered by release date after the ``released`` games
    it already has; the k-th gets :func:`base_title`, or ``<franchise>: <subtitle>``
    when that title is taken.
    """
    titles = np.empty(len(franchise), dtype=object)
    fresh = FreshValues(used, subtitled_titles)
    k_in_franchise = dict(released)
    for i in np.lexsort((release_ns, franchise)):
        f = int(franchise[i])
        k = k_in_franchise.get(f, 0)
        k_in_franchise[f] = k + 1
        name = names[f]
        titles[i] = fresh.draw(
            rng, name, base_title(rng, name, k), lambda r, name=name: f"{name}: {subtitle(r)}"
        )
    return titles
