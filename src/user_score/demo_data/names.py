"""Invented names: franchise and studio names, game titles, link slugs.

Everything is built from the word pools of ``vocabulary.yml``, so no real title can
appear. Titles and franchise names are unique.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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

_ROMAN_NUMERALS = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def slugify(text: str) -> str:
    """Make a Metacritic-style link slug (lowercase, punctuation dropped, dashes)."""
    text = text.lower().replace("&", " ")
    text = re.sub(r"[^a-z0-9+! \-]", "", text)
    return re.sub(r"-{2,}", "-", re.sub(r"\s+", "-", text.strip())).strip("-")


def platform_slug(platform: str) -> str:
    """The platform's slug in Metacritic links (slugified name for unknown platforms)."""
    return PLATFORM_SLUGS.get(platform, slugify(platform))


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


def new_studio_name(rng: np.random.Generator) -> str:
    """An invented studio outside the known pools (made-up word + a company suffix)."""
    word = str(rng.choice(SYLLABLE_HEADS)) + str(rng.choice(SYLLABLE_TAILS))
    return f"{word} {rng.choice(STUDIO_TAILS)}"


def subtitle(rng: np.random.Generator) -> str:
    """An invented subtitle, ``[the ]<adjective> <noun>``."""
    art = "the " if rng.random() < 0.3 else ""
    return f"{art}{rng.choice(SUB_ADJECTIVES)} {rng.choice(SUB_NOUNS)}"


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


def draw_franchise_names(rng: np.random.Generator, names: list[str], total: int) -> list[str]:
    """``names`` followed by new, distinct invented names up to ``total`` names."""
    out, seen = list(names), set(names)
    while len(out) < total:
        name = franchise_name(rng)
        if name not in seen:
            seen.add(name)
            out.append(name)
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
    used = set(used)
    k_in_franchise = dict(released)
    for i in np.lexsort((release_ns, franchise)):
        f = int(franchise[i])
        k = k_in_franchise.get(f, 0)
        k_in_franchise[f] = k + 1
        title = base_title(rng, names[f], k)
        while title in used:
            title = f"{names[f]}: {subtitle(rng)}"
        used.add(title)
        titles[i] = title
    return titles
