"""The column-wise title features equal the scalar functions on every title."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DEMO_CATALOG
from user_score.titles import (
    TITLE_FEATURES,
    base_title,
    franchise_key,
    normalise_titles,
    scalar_title_features,
    title_features,
)

#: Pieces that exercise every pattern: edition and DLC words, numbers and roman
#: numerals, separators, and characters where RE2 and Python's re disagree.
PIECES = [
    *("DLC", "dlc", "Expansion", "Season Pass", "Episode 3", "Add-On", "Fighters Pass"),
    *("HD", "hd", "Deluxe", "Remastered", "DX", "Plus", "Returns", "Definitive Edition"),
    *("II", "ii", "III", "IV", "v", "X", "xi", "XII", "IIV", "1", "2", "10", "19", "20", "123"),
    *("3D", "3d", ":", " - ", "-", "–", "for Nintendo Switch", "Game of the Year", "GOTY"),
    *("Mario", "Zelda", "kart", "&", "'s", "!", ".", "(", ")", "+", "/", "_", "  ", " "),
    *("\t", "é", "Ü", "ß", "ſ", "\u212a", "\u00a0", "\x1c", "a", "b1", "one two three four"),
]


def reference(titles: pd.Series) -> pd.DataFrame:
    """The scalar functions applied title by title."""
    rows = [scalar_title_features(None if pd.isna(value) else value) for value in titles]
    frame = pd.DataFrame(rows, columns=list(TITLE_FEATURES), index=titles.index)
    return frame.astype(TITLE_FEATURES)


def random_titles(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    separators = ["", " ", " ", "  ", ":", "-", " - "]
    return [
        "".join(rng.choice(PIECES) + rng.choice(separators) for _ in range(rng.randint(0, 9)))
        for _ in range(count)
    ]


def test_title_features_equal_the_scalar_functions_on_random_titles():
    titles = pd.Series([*random_titles(5000, seed=0), None, "", " ", "Zelda – Link"], dtype=str)
    pd.testing.assert_frame_equal(title_features(titles), reference(titles))


def test_titles_in_blocks_equal_one_pass(monkeypatch):
    """A day of many titles is handled TITLE_BLOCK titles at a time (here 999, so the
    5,004 titles, ASCII or not, missing or not, fall in six blocks); the result is the
    scalar functions' for every title, with the series' own index."""
    monkeypatch.setattr("user_score.titles.TITLE_BLOCK", 999)
    values = [*random_titles(5000, seed=1), None, "", " ", "Zelda – Link"]
    titles = pd.Series(values, dtype=str, index=range(7, 7 + 2 * len(values), 2))
    pd.testing.assert_frame_equal(title_features(titles), reference(titles))
    expected = titles.astype("string").fillna("").str.split().str.join(" ").astype(str)
    pd.testing.assert_series_equal(normalise_titles(titles), expected)


def test_repeated_franchise_keys_are_one_object_per_block():
    """A block's repeated franchise keys are one Python string each (the feature frame of a
    day holds ~40 % distinct keys per block), kept as object columns, equal to the scalar
    functions; non-ASCII titles in the block still take the scalar path."""
    titles = pd.Series(
        ["Mario Kart 8", "Mario Kart 7", "Mario Kart DS", "Zelda II", "Zelda"] * 40
        + ["Pokémon X", "Pokémon Y"],
        dtype=str,
    )
    features = title_features(titles)
    pd.testing.assert_frame_equal(features, reference(titles))
    ascii_rows = features["franchise"].iloc[:200].tolist()
    assert len({id(key) for key in ascii_rows}) == len(set(ascii_rows)) == 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0x2200), max_size=40), max_size=8))
def test_title_features_equal_the_scalar_functions_on_any_text(values):
    titles = pd.Series(values, dtype=str)
    pd.testing.assert_frame_equal(title_features(titles), reference(titles))
    expected = titles.astype("string").fillna("").str.split().str.join(" ").astype(str)
    pd.testing.assert_series_equal(normalise_titles(titles), expected)


def test_title_features_on_the_demo_catalog_titles():
    titles = pd.read_csv(DEMO_CATALOG, dtype=str)["title"]
    pd.testing.assert_frame_equal(title_features(titles), reference(titles))


@pytest.mark.real_data
def test_title_features_on_the_real_titles(real_data_path):
    titles = pd.read_csv(real_data_path, dtype=str)["title"]
    pd.testing.assert_frame_equal(title_features(titles), reference(titles))


def test_examples():
    frame = title_features(pd.Series(["Star Quest II: The Return HD - Deluxe Edition"]))
    assert (
        frame.loc[0, "base_title"]
        == base_title("Star Quest II: The Return")
        == ("star quest ii the return")
    )
    assert frame.loc[0, "franchise"] == franchise_key("Star Quest 3") == "star quest"
    assert bool(frame.loc[0, "is_port"]) and bool(frame.loc[0, "is_sequel"])
