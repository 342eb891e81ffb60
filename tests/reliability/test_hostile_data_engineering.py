"""Hostile inputs for data_engineering: every bad file fails clearly, every bad row is quarantined.

Files are read through the real ``raw_games`` catalog entry (its load
arguments and its ``RawGames`` file contract) and the data_engineering nodes.
The rule checked everywhere: either one clear error that names the file (and
the column and rule where there is one), or a result where
``rows_in = clean + quarantined + duplicates_removed`` and every quarantined
row carries a reason. See "Hostile inputs" in docs/data_contract.md.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import write_csv
from user_score.catalog import ContractDataCatalog, ContractViolationError, DatasetReadError
from user_score.contracts import RAW_COLUMNS, GamesClean, ModelInputTable
from user_score.datasets import FIELD_COUNT_ERROR
from user_score.pipelines.data_engineering.nodes import (
    build_quarantine,
    clean_games,
    create_model_input_table,
    split_raw_games,
    summarise_data_engineering,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RAW_ENTRY = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_01_raw.yml").read_text())["raw_games"]
CLEAR_ERRORS = (ContractViolationError, DatasetReadError)


def good_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "meta_score": "80",
        "title": "Star Quest",
        "platform": "Switch",
        "date": "Feb 12, 2021",
        "user_score": "8.1",
        "link": "/game/switch/star-quest",
        "esrb_rating": "E",
        "developers": "['Nintendo']",
        "genres": "['Action', 'Platformer']",
    }
    row.update(overrides)
    return row


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None, sep: str = ",") -> str:
    return write_csv(rows, columns or list(RAW_COLUMNS), sep)


TWO_GOOD = [good_row(), good_row(title="Moon", link="/game/wii/moon", platform="Wii")]


def load_raw(path: Path) -> pd.DataFrame:
    """Load ``path`` exactly as the project's ``raw_games`` dataset does (contract included)."""
    catalog = ContractDataCatalog.from_config({"raw_games": {**RAW_ENTRY, "filepath": str(path)}})
    return catalog.load("raw_games")


def process(raw: pd.DataFrame) -> dict[str, Any]:
    """Run the data_engineering nodes; check the outputs' own contracts."""
    valid, rejected, intake = split_raw_games(raw)
    games, duplicates = clean_games(valid)
    quarantine = build_quarantine(rejected, duplicates)
    summary = summarise_data_engineering(intake, games, quarantine)
    GamesClean.validate(games)
    ModelInputTable.validate(create_model_input_table(games))
    return {"summary": summary, "quarantine": quarantine, "games": games}


def assert_accounted(result: dict[str, Any], rows_in: int) -> None:
    summary = result["summary"]
    assert summary["rows_in"] == rows_in
    assert (
        summary["rows_clean"] + summary["rows_quarantined"] + summary["duplicates_removed"]
        == rows_in
    )
    reasons = result["quarantine"]["reason"] if len(result["quarantine"]) else []
    assert all(isinstance(r, str) and ": " in r for r in reasons)


# ---------------------------------------------------------------------------
# File-level hostility: one clear error naming the file (and column/rule)
# ---------------------------------------------------------------------------

FILE_CASES: dict[str, tuple[bytes, type[Exception], list[str]]] = {
    "empty file": (b"", DatasetReadError, ["No columns to parse"]),
    "header only": (csv_text([]).encode(), ContractViolationError, ["not_empty"]),
    "no header": (
        csv_text(TWO_GOOD).split("\n", 1)[1].encode(),
        ContractViolationError,
        ["required column is missing", "meta_score"],
    ),
    "binary": (bytes(range(256)) * 16, DatasetReadError, ["utf-8", "codec"]),
    "gzip bytes": (b"\x1f\x8b\x08\x00" + bytes(200), DatasetReadError, ["codec"]),
    "JSON": (
        pd.DataFrame(TWO_GOOD).to_json(orient="records").encode(),
        ContractViolationError,
        ["required column is missing"],
    ),
    "HTML error page": (
        b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>\n",
        ContractViolationError,
        ["required column is missing", "meta_score"],
    ),
    "semicolon separated": (
        csv_text(TWO_GOOD, sep=";").encode(),
        ContractViolationError,
        ["required column is missing", "title"],
    ),
    "semicolon separated, commas in the lists": (
        csv_text([good_row(), good_row(developers="['Nintendo', 'Retro']")], sep=";").encode(),
        ContractViolationError,
        ["required column is missing", "title", "genres"],
    ),
    "tab separated": (
        csv_text(TWO_GOOD, sep="\t").encode(),
        ContractViolationError,
        ["required column is missing", "title"],
    ),
    "Latin-1 text": (
        csv_text([good_row(title="Pokémon Café")]).encode("latin-1"),
        DatasetReadError,
        ["utf-8", "codec can't decode"],
    ),
    "UTF-16 text": (csv_text(TWO_GOOD).encode("utf-16"), DatasetReadError, ["codec"]),
    "required column missing": (
        csv_text(TWO_GOOD, columns=[c for c in RAW_COLUMNS if c != "genres"]).encode(),
        ContractViolationError,
        ["genres", "required column is missing"],
    ),
    "required column renamed": (
        csv_text(
            [
                {("metascore" if k == "meta_score" else k): v for k, v in r.items()}
                for r in TWO_GOOD
            ],
            columns=["metascore", *RAW_COLUMNS[1:]],
        ).encode(),
        ContractViolationError,
        ["meta_score", "required column is missing"],
    ),
    "meta_score column of text": (
        csv_text([good_row(meta_score="great"), good_row(meta_score="superb")]).encode(),
        ContractViolationError,
        ["meta_score", "numeric_column"],
    ),
    "unterminated quote": (
        (csv_text(TWO_GOOD) + '"unterminated,quote\n').encode(),
        DatasetReadError,
        ["EOF inside string"],
    ),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_bad_files_fail_with_one_clear_error_naming_the_file(case, tmp_path):
    content, error_type, fragments = FILE_CASES[case]
    path = tmp_path / "games.csv"
    path.write_bytes(content)
    with pytest.raises(error_type) as caught:
        process(load_raw(path))
    message = str(caught.value)
    assert str(path) in message  # the file
    assert "raw_games" in message  # the dataset
    for fragment in fragments:  # the column and the rule
        assert fragment in message, message


# ---------------------------------------------------------------------------
# Row-level hostility: quarantined with a reason, or accepted when harmless
# ---------------------------------------------------------------------------

ROW_CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "meta_score text": ({"meta_score": "great"}, "meta_score: number_in_range(0,100)"),
    # Only an empty field is missing: pandas' NA markers are text (a title "None" is a
    # title; a meta_score "n/a" is not a number).
    "meta_score n/a": ({"meta_score": "n/a"}, "meta_score: number_in_range(0,100)"),
    "title None": ({"title": "None"}, None),
    "title NaN": ({"title": "NaN"}, None),
    "title NA": ({"title": "NA"}, None),
    "meta_score negative": ({"meta_score": "-5"}, "meta_score: number_in_range(0,100)"),
    "meta_score above 100": ({"meta_score": "101"}, "meta_score: number_in_range(0,100)"),
    "meta_score missing": ({"meta_score": ""}, None),
    "user_score above 10": ({"user_score": "85"}, "user_score: number_in_range(0,10)"),
    "impossible date": ({"date": "Feb 30, 2020"}, "date: release_date_format"),
    "slash date": ({"date": "2020/02/03"}, "date: release_date_format"),
    "day-first date": ({"date": "30.01.2020"}, "date: release_date_format"),
    "ISO date": ({"date": "2020-02-03"}, None),
    # Implausible release years (9999, 1, 0, and the Unix epoch 1970: 41 years before the
    # 3DS launched) used to be scored; the training contract's window applies.
    "year 9999": ({"date": "9999"}, "date: release_year_in_range(1972,2100)"),
    "year 0001": ({"date": "0001"}, "date: release_year_in_range(1972,2100)"),
    "TBA 0000": ({"date": "TBA 0000"}, "date: release_year_in_range(1972,2100)"),
    "epoch day": ({"date": "1970-01-01"}, "date: release_year_in_range(1972,2100)"),
    "TBA": ({"date": "TBA"}, None),
    "cancelled": ({"date": "Canceled"}, "date: not_cancelled"),
    "genres not a list string": ({"genres": "Action, Puzzle"}, "genres: list_string"),
    "genres missing a comma": ({"genres": "['Action' 'Puzzle']"}, "genres: list_string"),
    "genres empty list": ({"genres": "[]"}, None),
    "genres very long": ({"genres": "['" + "A" * 5_000 + "']"}, "genres: list_string"),
    "developers unbalanced": ({"developers": "['Nintendo'"}, "developers: list_string"),
    "1 MB title": ({"title": "T" * 1_000_000}, "title: str_length"),
    "title missing": ({"title": ""}, "title: not_nullable"),
    "link missing (the id)": ({"link": ""}, "link: not_nullable"),
    "link malformed": ({"link": "http://evil.example/x"}, "link: str_matches"),
    "unknown ESRB": ({"esrb_rating": "PG-13"}, "esrb_rating: isin"),
    "unknown platform, bad link": (
        {"platform": "???", "link": "/game/nowhere/x"},
        "platform: recognised_or_repairable_from_link",
    ),
    "control characters in title": ({"title": "Star\x00Quest\x1b"}, None),
    "emoji and RTL text": ({"title": "Star \U0001f31f Quest \u200f\u0639\u0631\u0628\u0649"}, None),
}


@pytest.mark.parametrize("case", list(ROW_CASES))
def test_each_bad_row_is_quarantined_with_its_reason(case, tmp_path):
    overrides, reason = ROW_CASES[case]
    rows = [*TWO_GOOD, good_row(title="Target", link="/game/switch/target", **{})]
    rows[-1].update(overrides)
    path = tmp_path / "games.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    result = process(load_raw(path))
    assert_accounted(result, rows_in=3)
    quarantine = result["quarantine"]
    if reason is None:
        assert result["summary"]["rows_clean"] == 3, quarantine.get("reason")
    else:
        assert len(quarantine) == 1
        reasons = quarantine["reason"].item().split("; ")
        assert reason in reasons or any(item.startswith(reason) for item in reasons), reasons
        # Each broken rule is counted once (a table-level rule used to repeat per column).
        assert result["summary"]["quarantine_reasons"] == dict.fromkeys(reasons, 1)
        # The row is kept unchanged, so it can be inspected and replayed.
        original = {k: ("" if v is None else v) for k, v in rows[-1].items()}
        kept = quarantine.drop(columns=["reason", "source_row", FIELD_COUNT_ERROR])
        kept = kept.fillna("").iloc[0].to_dict()
        assert kept == original


@pytest.mark.parametrize(
    "line",
    [
        b'80,Cut Short,Switch,"Feb 12, 2021",8.1',  # a truncated last line
        b'80,Too Long,Switch,"Feb 12, 2021",8.1,/game/switch/too-long,E,[],[],surplus\n',
        b'80,Zelda, Link,Switch,"Feb 12, 2021",8.1,/game/switch/zelda,E,[],[]\n',
    ],
    ids=["short", "long", "unquoted comma"],
)
def test_a_row_with_too_few_or_too_many_fields_is_quarantined(line, tmp_path):
    path = tmp_path / "games.csv"
    path.write_bytes(csv_text(TWO_GOOD).encode() + line)
    result = process(load_raw(path))
    assert_accounted(result, rows_in=3)
    assert result["summary"]["rows_clean"] == 2
    assert result["quarantine"]["reason"].tolist() == ["row: field_count"]
    assert result["quarantine"]["source_row"].tolist() == [2]


def test_duplicate_and_extra_columns_are_handled(tmp_path):
    rows = [*TWO_GOOD, dict(TWO_GOOD[0]), {**TWO_GOOD[1], "meta_score": ""}]
    path = tmp_path / "games.csv"
    path.write_text(csv_text([{**r, "extra": "x"} for r in rows], [*RAW_COLUMNS, "extra"]))
    result = process(load_raw(path))
    assert_accounted(result, rows_in=4)
    assert result["summary"]["duplicates_removed"] == 1  # the identical row
    assert result["summary"]["rows_quarantined"] == 1  # the less complete copy of 'Moon'
    assert "extra" not in result["games"].columns  # extra columns are ignored


def test_a_catalog_whose_meta_scores_all_sit_on_a_ten_point_scale_is_flagged(tmp_path):
    path = tmp_path / "games.csv"
    path.write_text(csv_text([good_row(meta_score="8.5"), {**TWO_GOOD[1], "meta_score": "9"}]))
    assert process(load_raw(path))["summary"]["meta_score_scale_suspect"] is True
    path.write_text(csv_text(TWO_GOOD))
    assert process(load_raw(path))["summary"]["meta_score_scale_suspect"] is False


def test_utf8_with_bom_is_read(tmp_path):
    path = tmp_path / "games.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(TWO_GOOD).encode("utf-8"))
    result = process(load_raw(path))
    assert result["summary"]["rows_clean"] == 2


def test_mixed_valid_and_invalid_rows(tmp_path):
    rows = [good_row(title=f"Game {i}", link=f"/game/switch/game-{i}") for i in range(50)]
    hostile = [overrides for overrides, reason in ROW_CASES.values() if reason]
    for i, overrides in enumerate(hostile):
        rows[i * 2].update(overrides)
    path = tmp_path / "games.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    result = process(load_raw(path))
    assert_accounted(result, rows_in=50)
    assert result["summary"]["rows_quarantined"] == len(hostile)
    assert result["summary"]["rows_clean"] == 50 - len(hostile)


# ---------------------------------------------------------------------------
# Property-based: any cells, any bytes
# ---------------------------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=30),
    st.sampled_from(
        [
            "80",
            "-1",
            "1e400",
            "NaN",
            "inf",
            "TBA",
            "Feb 29, 2021",
            "Feb 29, 2020",
            "2021-13-01",
            "[]",
            "['a', 'b']",
            "['a'",
            "[1, 2]",
            "Switch",
            "TG16)",
            "/game/switch/x",
            "/game/wii/y",
            "E",
            "None",
            "null",
            "\ufeff",
            '"',
            "a,b",
            "line\nbreak",
        ]
    ),
)


@st.composite
def hostile_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=1, max_value=12))
    rows = []
    for i in range(count):
        row = good_row(title=f"Game {i}", link=f"/game/switch/game-{i}")
        for column in draw(st.sets(st.sampled_from(RAW_COLUMNS), max_size=4)):
            row[column] = draw(HOSTILE_TEXT)
        rows.append(row)
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=hostile_rows())
def test_any_cells_every_row_is_accounted_for_or_one_clear_error(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "games.csv"
        path.write_text(csv_text(rows), encoding="utf-8")
        try:
            raw = load_raw(path)
        except CLEAR_ERRORS as error:
            # File-level rule (e.g. meta_score mostly text): a clear error naming the file.
            assert str(path) in str(error)
            return
        assert_accounted(process(raw), rows_in=len(raw))


@settings(max_examples=30, deadline=None)
@given(
    content=st.one_of(
        st.binary(max_size=2_000),
        st.text(max_size=500).map(lambda s: s.encode("utf-8")),
        st.lists(st.text(alphabet=",;\t\"'\n abc01[]", max_size=40), max_size=10).map(
            lambda lines: ("\n".join([",".join(RAW_COLUMNS), *lines])).encode()
        ),
    )
)
def test_any_bytes_give_a_result_or_a_clear_error(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "games.csv"
        path.write_bytes(content)
        try:
            raw = load_raw(path)
        except CLEAR_ERRORS as error:
            assert str(path) in str(error)
            return
        assert_accounted(process(raw), rows_in=len(raw))


def test_a_file_whose_every_row_is_invalid_is_a_successful_run(project_copy, kedro_run, tmp_path):
    """Regression: empty typed columns used to break the GamesClean contract on save."""
    path = tmp_path / "all_bad.csv"
    path.write_text(
        csv_text([good_row(title="", link=f"/game/switch/g{i}") for i in range(3)]),
        encoding="utf-8",
    )
    kedro_run(
        project_copy, pipeline_name="data_engineering", runtime_params={"raw_games_path": str(path)}
    )
    summary = json.loads(
        (project_copy / "data/08_reporting/data_engineering_summary.json").read_text()
    )
    assert (summary["rows_in"], summary["rows_clean"], summary["rows_quarantined"]) == (3, 0, 3)
    quarantine = pd.read_csv(project_copy / "data/02_intermediate/games_quarantine.csv")
    assert quarantine["reason"].str.contains("title").all()
