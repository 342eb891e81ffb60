"""Unit tests of the data_engineering nodes on small hand-made raw catalogs."""

from __future__ import annotations

import pandas as pd
import pytest

from user_score.contracts import RAW_COLUMNS, GamesClean, ModelInputTable
from user_score.pipelines.data_engineering.nodes import (
    DUPLICATE_GAME_REASON,
    build_quarantine,
    clean_games,
    create_model_input_table,
    split_raw_games,
    summarise_data_engineering,
)


def raw_row(**overrides: str | None) -> dict[str, str | None]:
    row = {
        "meta_score": "80",
        "title": "Star Quest",
        "platform": "Switch",
        "date": "Feb 12, 2021",
        "user_score": "8.1",
        "link": "/game/switch/star-quest",
        "esrb_rating": "E",
        "developers": "['Nintendo', ' Moon Co.', 'Ltd.']",
        "genres": "['Action', 'Platformer', 'Platformer']",
    }
    row.update(overrides)
    return row


def raw_frame(*rows: dict[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(RAW_COLUMNS)).astype("str")


@pytest.fixture
def mixed_raw() -> pd.DataFrame:
    return raw_frame(
        raw_row(),
        raw_row(),  # exact duplicate
        raw_row(title="Moon Garden", link="/game/wii/moon-garden", platform="TG16)", date="TBA"),
        raw_row(title="Sky Fox", link="/game/ds/sky-fox", meta_score="120"),
        raw_row(title="Old Fox", link="/game/ds/old-fox", date="Canceled"),
        raw_row(title="Lost", link="/game/gc/lost", genres="Action, Puzzle"),
        raw_row(title="Twin", link="/game/gc/twin", user_score=None, meta_score=None),
        raw_row(title="Twin", link="/game/gc/twin", user_score="7.5"),
    )


def test_split_raw_games_removes_exact_duplicates_and_quarantines_with_reasons(mixed_raw):
    valid, rejected, intake = split_raw_games(mixed_raw)
    assert intake == {"rows_in": 8, "duplicates_removed": 1, "meta_score_scale_suspect": False}
    assert len(valid) + len(rejected) + intake["duplicates_removed"] == len(mixed_raw)
    reasons = dict(zip(rejected["title"], rejected["reason"], strict=True))
    assert reasons == {
        "Sky Fox": "meta_score: number_in_range(0,100)",
        "Old Fox": "date: not_cancelled",
        "Lost": "genres: list_string",
    }
    # Rejected rows are kept unchanged.
    assert rejected.loc[rejected["title"] == "Sky Fox", "meta_score"].item() == "120"


def test_clean_games_types_repairs_and_keeps_the_most_complete_duplicate(mixed_raw):
    valid, _, _ = split_raw_games(mixed_raw)
    games, duplicates = clean_games(valid)
    GamesClean.validate(games, lazy=True)
    assert games["game_id"].is_unique
    moon = games.set_index("title").loc["Moon Garden"]
    assert moon["platform"] == "WII" and bool(moon["platform_repaired"])
    assert bool(moon["date_tba"]) and pd.isna(moon["release_date"])
    star = games.set_index("title").loc["Star Quest"]
    assert list(star["developers"]) == ["Nintendo", "Moon Co. Ltd."]
    assert list(star["genres"]) == ["Action", "Platformer"]
    twin = games.set_index("title").loc["Twin"]
    assert twin["user_score"] == 7.5  # the labelled row of the two was kept
    assert duplicates["reason"].tolist() == [DUPLICATE_GAME_REASON]
    assert duplicates["user_score"].isna().all()


def test_summary_accounts_for_every_row_and_fails_when_rows_are_lost(mixed_raw):
    valid, rejected, intake = split_raw_games(mixed_raw)
    games, duplicates = clean_games(valid)
    quarantine = build_quarantine(rejected, duplicates)
    summary = summarise_data_engineering(intake, games, quarantine)
    assert summary["rows_in"] == 8
    assert summary["rows_clean"] + summary["rows_quarantined"] + summary["duplicates_removed"] == 8
    assert summary["quarantine_reasons"]["date: not_cancelled"] == 1
    assert summary["invariant_holds"]
    with pytest.raises(ValueError, match="lost rows"):
        summarise_data_engineering(intake, games.iloc[1:], quarantine)


def test_quarantine_of_a_clean_file_is_empty_but_has_columns():
    quarantine = build_quarantine(pd.DataFrame(), pd.DataFrame())
    assert quarantine.empty
    assert {"source_row", "reason", *RAW_COLUMNS} <= set(quarantine.columns)


def test_model_input_table_meets_its_contract(mixed_raw):
    valid, _, _ = split_raw_games(mixed_raw)
    games, _ = clean_games(valid)
    table = create_model_input_table(games)
    ModelInputTable.validate(table, lazy=True)
    assert table["is_labelled"].tolist() == table["user_score"].notna().tolist()
