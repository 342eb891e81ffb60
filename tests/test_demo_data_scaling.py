"""The demo generator's cost grows linearly with the number of games.

Unique titles and franchise names were drawn by plain rejection sampling: redraw while
taken. A franchise has ~818 possible titles, so its last free ones cost ever more
redraws, and once they were all taken the loop never ended (``generate_games`` hung
from ~13,000 games on). These tests count random draws instead of timing anything,
and a draw budget makes a regression fail instead of hang.
"""

from __future__ import annotations

import numpy as np
import pytest

from user_score.demo_data import generate_games, names
from user_score.demo_data.names import FreshValues, draw_franchise_names, draw_titles


class CountingRng:
    """A seeded ``numpy.random.Generator`` that counts its calls and fails past a budget."""

    def __init__(self, seed: int, budget: int) -> None:
        self._rng = np.random.default_rng(seed)
        self.budget = budget
        self.calls = 0

    def __getattr__(self, name: str):
        method = getattr(self._rng, name)

        def counted(*args, **kwargs):
            self.calls += 1
            if self.calls > self.budget:
                raise AssertionError(f"more than {self.budget} random draws")
            return method(*args, **kwargs)

        return counted


def _title_draws(n_games: int) -> int:
    """Random draws that titling ``n_games`` games of ONE franchise takes."""
    rng = CountingRng(0, budget=10 * n_games)
    franchise = np.zeros(n_games, dtype=int)
    titles = draw_titles(rng, ["Zandor Quest"], franchise, np.arange(n_games), {}, set())
    assert len(set(titles)) == n_games
    assert all("Zandor Quest" in t for t in titles)
    return rng.calls


def test_titles_cost_a_bounded_number_of_draws_per_game() -> None:
    # 1,000 and 4,000 games of one franchise: far more than its ~818 possible titles.
    small, large = _title_draws(1000), _title_draws(4000)
    assert large <= 4 * small  # linear: 4x the games, at most 4x the draws


def test_fresh_values_go_on_past_the_candidates() -> None:
    pool = ["a", "b", "c"]
    fresh = FreshValues(["b"], lambda _key: pool)
    rng = CountingRng(1, budget=1000)
    values = [
        fresh.draw(rng, "k", str(rng.choice(pool)), lambda r: str(r.choice(pool))) for _ in range(8)
    ]
    assert len(set(values)) == 8
    assert "b" not in values
    assert set(values) == {"a", "c", "a 2", "b 2", "c 2", "a 3", "b 3", "c 3"}


def test_franchise_names_are_kept_and_new_ones_distinct() -> None:
    rng = CountingRng(2, budget=50_000)
    known = ["Zandor Quest", "Bexwick"]
    drawn = draw_franchise_names(rng, known, 5000)
    assert drawn[:2] == known
    assert len(set(drawn)) == 5000


@pytest.mark.slow
def test_generate_games_past_a_franchises_title_space(monkeypatch: pytest.MonkeyPatch) -> None:
    n_games = 20_000
    calls = 0
    subtitle = names.subtitle

    def counted_subtitle(rng: np.random.Generator) -> str:
        nonlocal calls
        calls += 1
        if calls > n_games:
            raise AssertionError(f"more than {n_games} subtitles drawn for {n_games} games")
        return subtitle(rng)

    monkeypatch.setattr(names, "subtitle", counted_subtitle)
    games = generate_games(n_games, seed=1)
    assert len(games) == n_games
    assert not games.duplicated(["title", "platform"]).any()
    base = games[games["kind"] == "base"]
    # the biggest franchise has more games than the ~818 titles plain draws could give it
    assert base["franchise"].value_counts().iloc[0] > 818
