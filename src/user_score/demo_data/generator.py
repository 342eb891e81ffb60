"""``generate_games``: latent, typed demo games, drawn step by step from one seed.

The steps run in a fixed order on one ``numpy.random.Generator``; each step's draws
move it on, so reordering steps (or draws inside a step) changes every later value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from user_score.demo_data.attributes import (
    add_new_genres,
    developer_effect,
    draw_game_lists,
    draw_platforms,
    genre_effect,
)
from user_score.demo_data.calibration import (
    DEVELOPERS_MISSING,
    GENRES_MISSING,
    NEW_DEVELOPER_RATE,
    NEW_FRANCHISE_RATE,
    UNDATED_YEAR,
)
from user_score.demo_data.dates import draw_dates, draw_release_status, raw_dates
from user_score.demo_data.names import draw_titles, platform_slug, slugify
from user_score.demo_data.releases import add_derived_releases, kind_counts
from user_score.demo_data.scores import (
    draw_esrb,
    draw_meta_scores,
    draw_score_missingness,
    draw_user_scores,
    drop_lists,
    mark_rating_pending,
)
from user_score.demo_data.universe import (
    Franchises,
    GameUniverse,
    continue_franchises,
    invent_franchises,
    to_universe,
)

DRIFT_KEYS = frozenset(
    {
        "meta_score_shift",
        "new_genres",
        "new_genre_rate",
        "new_platforms",
        "new_platform_rate",
        "platform_mix",
    }
)


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
    return generate_games_and_universe(
        n_games, seed, start, end, drift, universe, new_franchise_rate, new_developer_rate
    )[0]


def generate_games_and_universe(
    n_games: int,
    seed: int,
    start: str = "1996-01-01",
    end: str = "2021-03-01",
    drift: dict | None = None,
    universe: GameUniverse | None = None,
    new_franchise_rate: float = NEW_FRANCHISE_RATE,
    new_developer_rate: float = NEW_DEVELOPER_RATE,
) -> tuple[pd.DataFrame, GameUniverse]:
    """:func:`generate_games` and the universe its games came from (``universe`` when
    given, else the one this call invented)."""
    if n_games < 1:
        raise ValueError("n_games must be positive")
    drift = dict(drift or {})
    unknown = set(drift) - DRIFT_KEYS
    if unknown:
        raise ValueError(f"unknown drift keys: {sorted(unknown)}")
    rng = np.random.default_rng(seed)
    t_start, t_end = pd.Timestamp(start), pd.Timestamp(end)

    counts = kind_counts(n_games)
    base, franchises = _base_games(
        rng, counts["base"], t_start, t_end, drift, universe, new_franchise_rate, new_developer_rate
    )
    games = add_derived_releases(rng, base, counts, t_start, t_end)
    add_new_genres(rng, games, drift)
    out = _observe(rng, games, franchises, t_end, drift)
    if universe is None:
        universe = to_universe(seed, franchises, frozenset(out["title"]))
    return out, universe


def _base_games(
    rng: np.random.Generator,
    n_base: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    drift: dict,
    universe: GameUniverse | None,
    new_franchise_rate: float,
    new_developer_rate: float,
) -> tuple[pd.DataFrame, Franchises]:
    """The base games (platform, date, franchise, lists, title) and their franchises."""
    platform = draw_platforms(rng, n_base, drift)
    release_ns = draw_dates(rng, platform.astype(str), start, end)
    if universe is None:
        franchises = invent_franchises(rng, n_base)
        new_developer_rate = 0.0
    else:
        franchises = continue_franchises(rng, universe, n_base, new_franchise_rate)
    genres, devs = draw_game_lists(
        rng, franchises.of_game, franchises.genres, franchises.developers, new_developer_rate
    )
    titles = draw_titles(
        rng,
        franchises.names,
        franchises.of_game,
        release_ns,
        franchises.released,
        franchises.used_titles,
    )
    base = pd.DataFrame(
        {
            "title": titles,
            "platform": platform,
            "release_ns": release_ns,
            "franchise": franchises.of_game,
            "kind": "base",
            "genres": genres,
            "developers": devs,
            "parent": np.arange(n_base),
        }
    )
    return base, franchises


def _observe(
    rng: np.random.Generator,
    games: pd.DataFrame,
    franchises: Franchises,
    end: pd.Timestamp,
    drift: dict,
) -> pd.DataFrame:
    """Ratings, scores, release status and missingness: the games as the site shows them."""
    plat = games["platform"].astype(str).to_numpy()
    rel = pd.to_datetime(games["release_ns"].to_numpy())
    year = rel.year.to_numpy().astype(float)
    year_f = np.where(np.isnan(year), UNDATED_YEAR, year)
    kind = games["kind"].to_numpy().astype(str)
    fr = games["franchise"].to_numpy()
    parent = games["parent"].to_numpy()
    derived = kind != "base"
    genre_eff = np.array([genre_effect(g) for g in games["genres"]])
    dev_eff = np.array([developer_effect(d) for d in games["developers"]])

    esrb = draw_esrb(rng, plat, games["genres"].tolist(), derived, parent)
    meta = draw_meta_scores(
        rng, plat, year_f, franchises.meta_effect[fr], dev_eff, genre_eff, derived, parent
    )
    user = draw_user_scores(
        rng, meta, plat, year_f, esrb, kind, franchises.user_effect[fr], dev_eff, genre_eff
    )
    status = draw_release_status(rng, kind)
    unreleased = status != "date"
    mark_rating_pending(rng, esrb, unreleased)
    meta_na, user_na = draw_score_missingness(rng, plat, kind, rel, status, end)
    meta_obs = np.where(meta_na, np.nan, meta + float(drift.get("meta_score_shift", 0.0)))
    developers = drop_lists(rng, games["developers"].tolist(), DEVELOPERS_MISSING)
    genres = drop_lists(rng, games["genres"].tolist(), GENRES_MISSING)
    return pd.DataFrame(
        {
            "title": games["title"].astype(str),
            "platform": plat,
            "release_date": pd.Series(rel).where(~unreleased).astype("datetime64[ns]"),
            "date_raw": raw_dates(rel, status).astype(str),
            "meta_score": meta_obs.astype(float),
            "user_score": np.where(user_na, np.nan, user).astype(float),
            "esrb_rating": pd.Series(esrb).replace("", np.nan).astype(object),
            "developers": developers,
            "genres": genres,
            "link": [
                f"/game/{platform_slug(p)}/{slugify(t)}"
                for p, t in zip(plat, games["title"], strict=True)
            ],
            "franchise": [franchises.names[f] for f in fr],
            "kind": kind,
            "year": pd.Series(year).where(~unreleased).astype("Float64"),
        }
    )
