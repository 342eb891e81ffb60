"""Unit tests of the stateless parsing and feature functions."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from user_score.features import (
    FEATURE_DOCS,
    build_features,
    normalise_platform,
    parse_list_string,
    parse_names,
    parse_raw_games,
    parse_release_dates,
    per_unique,
    repair_company_fragments,
    title_flags,
)
from user_score.titles import base_title, franchise_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("['Nintendo', ' HAL Labs']", ["Nintendo", "HAL Labs"]),
        ("['Action', 'Platformer', 'Platformer']", ["Action", "Platformer"]),
        ("[\"Beat-'Em-Up\", 'Action']", ["Beat-'Em-Up", "Action"]),
        ("[]", []),
        (None, []),
        ("Action, Platformer", None),
        ("['unterminated", None),
        ("[1, 2]", None),
        ("{'a': 1}", None),
        # Python joins adjacent string literals: a missing comma made the genre 'ab'.
        ("['a' 'b']", None),
        ("['Action', 'Puzzle' 'Party']", None),
        ("['Rock \\'n\\' Roll', \"It's\"]", ["Rock 'n' Roll", "It's"]),
    ],
)
def test_parse_list_string(text, expected):
    assert parse_list_string(text) == expected


def test_company_suffixes_are_rejoined_to_the_previous_name():
    assert repair_company_fragments(["Nintendo", "Imagineer Co.", "Ltd."]) == [
        "Nintendo",
        "Imagineer Co. Ltd.",
    ]
    assert repair_company_fragments(["Asobism", "Co. ltd."]) == ["Asobism Co. ltd."]
    # A suffix with nothing before it stays as it is.
    assert repair_company_fragments(["Ltd."]) == ["Ltd."]


def test_parse_names_marks_invalid_values_none_and_parses_each_value_once():
    series = pd.Series(["['A', ' B Inc.', 'Inc.']", "not a list", None, "['A', ' B Inc.', 'Inc.']"])
    parsed = parse_names(series, repair_fragments=True)
    assert parsed.tolist() == [["A", "B Inc. Inc."], None, [], ["A", "B Inc. Inc."]]


def test_release_dates_all_forms():
    raw = pd.Series(
        [
            "Feb 12, 2021",
            "2021-02-12",
            "TBA",
            "TBA 2011",
            "Q4 2015",
            "Canceled",
            "Feb 30, 2020",
            "soon",
        ]
    )
    parsed = parse_release_dates(raw)
    assert parsed["release_date"].iloc[0] == pd.Timestamp("2021-02-12")
    assert parsed["release_date"].iloc[1] == pd.Timestamp("2021-02-12")
    assert parsed["date_tba"].tolist() == [False, False, True, True, True, False, False, False]
    assert parsed["date_year_hint"].iloc[3] == 2011
    assert parsed["date_year_hint"].iloc[4] == 2015
    assert parsed["date_cancelled"].tolist() == [False] * 5 + [True, False, False]
    # An impossible calendar date and free text are not valid dates.
    assert parsed["date_valid"].tolist() == [True] * 6 + [False, False]


def test_platform_normalised_and_scrape_errors_repaired_from_link():
    platform = pd.Series(["WIIU", "Wii U", "Switch", "TG16)", "TG16)", "Switch 2"])
    link = pd.Series(
        [
            "/game/wii-u/a",
            "/game/wii-u/b",
            "/game/switch/c",
            "/game/wii/d",
            "/game/zzz/e",
            "/game/x/f",
        ]
    )
    out = normalise_platform(platform, link)
    assert out["platform"].tolist() == ["WIIU", "WIIU", "SWITCH", "WII", None, "SWITCH2"]
    assert out["platform_repaired"].tolist() == [False, False, False, True, False, False]
    assert out["platform_valid"].tolist() == [True, True, True, True, False, True]


def test_titles_group_ports_and_dlc_of_one_game():
    assert base_title("Star Quest HD") == base_title("Star Quest")
    assert base_title("Star Quest - Deluxe Edition") == "star quest"
    assert franchise_key("Star Quest II: The Return") == franchise_key("Star Quest 3")
    flags = title_flags(
        pd.Series(["Star Quest: DLC 2 Melody Pack", "Star Quest HD", "Star Quest 2"])
    )
    assert flags["is_dlc"].tolist() == [True, False, False]
    assert flags["is_port"].tolist() == [False, True, False]
    assert flags["is_sequel"].tolist() == [True, False, True]


def test_build_features_returns_exactly_the_documented_features():
    games = pd.DataFrame(
        {
            "title": ["Star Quest 2", "Moon Garden"],
            "platform": ["SWITCH", "NEWCONSOLE"],
            "release_date": pd.to_datetime(["2019-03-01", None]),
            "date_tba": [False, True],
            "date_year_hint": [float("nan"), 2022.0],
            "meta_score": [80.0, float("nan")],
            "esrb_rating": ["E", None],
            "developers": [["Nintendo", "HAL Labs"], []],
            "genres": [["Action"], ["Puzzle", "2D"]],
        }
    )
    features = build_features(games)
    assert list(features.columns) == list(FEATURE_DOCS)
    first, second = features.iloc[0], features.iloc[1]
    assert first["years_since_platform_launch"] == 2
    assert bool(first["is_first_party"]) and not bool(second["is_first_party"])
    assert second["release_year"] == 2022  # from the TBA year hint
    assert pd.isna(second["platform_launch_year"])  # unseen platform does not crash
    assert second["esrb_rating"] == "missing"
    assert bool(second["meta_score_missing"])
    assert features["n_genres"].tolist() == [1, 2]


def test_platform_and_rating_rows_share_one_object_per_value_with_unchanged_values():
    """A day's platform and ESRB columns hold one string object per distinct value (a
    million rows of "SWITCH" are one string), with the values and dtypes the per-row
    conversions give; list lengths are counted once per distinct list."""
    raw = pd.DataFrame(
        {
            "title": [f"Game {i}" for i in range(8)],
            "platform": ["Switch", "WII U", "Switch", "3DS", "Switch", "TG16)", "3ds", "Switch"],
            "date": ["Mar 1, 2019"] * 8,
            "meta_score": ["80"] * 8,
            "esrb_rating": ["E", None, "E", "T", None, "E", "T", "E"],
            "developers": ["['Nintendo', 'HAL']", "[]", None, "['Nintendo']"] * 2,
            "genres": ["['Action']", "['Action', 'Puzzle']", "['Action']", None] * 2,
        },
        dtype="str",
    )
    games = parse_raw_games(raw)
    per_row_platform = normalise_platform(raw["platform"])["platform"].astype(str)
    pd.testing.assert_series_equal(games["platform"], per_row_platform, check_names=False)
    per_row_rating = raw["esrb_rating"].astype(object).where(raw["esrb_rating"].notna(), None)
    pd.testing.assert_series_equal(games["esrb_rating"], per_row_rating)
    features = build_features(games)
    pd.testing.assert_series_equal(features["platform"], games["platform"].astype(object))
    for column in ("platform", "esrb_rating"):
        values = features[column].tolist()
        assert len({id(value) for value in values}) == len(set(values)), column
    # list lengths, once per distinct list object: as the per-row lengths
    for column, count in (("genres", "n_genres"), ("developers", "n_developers")):
        per_row = games[column].str.len().fillna(0).astype("int64")
        pd.testing.assert_series_equal(features[count], per_row, check_names=False)
    assert features["n_developers"].tolist() == [2, 0, 0, 1] * 2
    # lists read back from Parquet are arrays: counted the same
    buffer = io.BytesIO()
    games.to_parquet(buffer)
    read_back = pd.read_parquet(io.BytesIO(buffer.getvalue()))
    assert isinstance(read_back["genres"].iloc[0], np.ndarray)
    from_parquet = build_features(read_back)
    pd.testing.assert_series_equal(from_parquet["n_genres"], features["n_genres"])
    pd.testing.assert_series_equal(from_parquet["n_developers"], features["n_developers"])


@pytest.mark.parametrize(
    "values",
    [
        ["Zelda", "Mario Kart", "Metroid", "Kirby"],  # every value distinct: no take
        ["Zelda", None, "Zelda", "Kirby", None],  # repeats and missing values
        [],
    ],
    ids=["distinct", "repeated", "empty"],
)
def test_per_unique_equals_the_function_on_every_row(values):
    """per_unique evaluates once per distinct value and gives each row its own result,
    with the series' index (here not 0..n-1). (The function also sees one missing value,
    so an integer result may come back as float.)"""
    series = pd.Series(values, dtype="str", index=[10 * i + 3 for i in range(len(values))])

    def lengths(text: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({"value": text, "length": text.str.len()})

    expected = lengths(series)
    pd.testing.assert_frame_equal(per_unique(series, lengths), expected, check_dtype=False)
