"""Hostile daily batches for scoring: clear file errors, quarantined rows, nothing leaked in.

Each batch is read through the real ``batch_input`` catalog entry (its load
arguments and ``BatchInput`` file contract) and run through every node of the
real ``scoring`` pipeline with a small model; ``predictions`` is checked
against its ``Predictions`` contract. Rule: one clear error naming the file
(and column and rule), or ``rows_in = rows_scored + rows_quarantined`` with a
reason per quarantined row and no id scored twice.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import quality_inputs
from tests.reliability.conftest import write_csv
from user_score.catalog import ContractDataCatalog, ContractViolationError, DatasetReadError
from user_score.contracts import Predictions
from user_score.params import RunDate
from user_score.pipelines.scoring import create_pipeline
from user_score.pipelines.scoring.params import ScoringParams

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENTRY = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_01_raw.yml").read_text())["batch_input"]
PARAMS = ScoringParams.model_validate(
    yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_scoring.yml").read_text())["scoring"]
)
RUN_DATE = RunDate("2021-06-01")
COLUMNS = ["id", "title", "platform", "date", "meta_score", "esrb_rating", "developers", "genres"]
CLEAR_ERRORS = (ContractViolationError, DatasetReadError)


def row(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": "r1",
        "title": "Star Quest",
        "platform": "Switch",
        "date": "2021-02-12",
        "meta_score": "80",
        "esrb_rating": "E",
        "developers": "['Nintendo']",
        "genres": "['Action', 'Platformer']",
    }
    base.update(overrides)
    return base


def csv_bytes(rows: list[dict[str, Any]], columns: list[str] = COLUMNS, sep: str = ",") -> bytes:
    return write_csv(rows, columns, sep).encode("utf-8")


TWO = [row(), row(id="r2", title="Moon", platform="Wii")]


def load_batch(path: Path) -> pd.DataFrame:
    catalog = ContractDataCatalog.from_config({"batch_input": {**ENTRY, "filepath": str(path)}})
    return catalog.load("batch_input")


def score(batch: pd.DataFrame, model: Any) -> dict[str, Any]:
    """Run every node of the scoring pipeline in order, in memory."""
    data: dict[str, Any] = {
        "batch_input": batch,
        "model": model,
        "params:run_date": RUN_DATE,
        "params:scoring": PARAMS,
        **quality_inputs(),
    }
    for node in create_pipeline().nodes:  # topologically sorted
        data.update(node.run({name: data[name] for name in node.inputs}))
    if len(data["predictions@csv"]):
        Predictions.validate(data["predictions@csv"], lazy=True)
    return data


def assert_accounted(result: dict[str, Any]) -> None:
    summary = result["scoring_summary"]
    assert summary["rows_in"] == summary["rows_scored"] + summary["rows_quarantined"]
    assert summary["rows_scored"] == len(result["predictions@csv"])
    assert summary["rows_quarantined"] == len(result["scoring_quarantine"])
    assert result["predictions@csv"]["id"].is_unique
    reasons = result["scoring_quarantine"].get("reason", pd.Series(dtype=str))
    assert all(isinstance(r, str) and ": " in r for r in reasons)


def score_bytes(content: bytes, model: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        path.write_bytes(content)
        return score(load_batch(path), model)


FILE_CASES: dict[str, tuple[bytes, type[Exception], list[str]]] = {
    "empty file": (b"", DatasetReadError, ["No columns to parse"]),
    "no header": (
        csv_bytes(TWO).split(b"\n", 1)[1],
        ContractViolationError,
        ["required column is missing", "platform"],
    ),
    "binary": (bytes(range(256)) * 16, DatasetReadError, ["codec"]),
    "JSON": (
        pd.DataFrame(TWO).to_json(orient="records").encode(),
        ContractViolationError,
        ["required column is missing"],
    ),
    "HTML error page": (
        b"<html><body><h1>504 Gateway Timeout</h1></body></html>\n",
        ContractViolationError,
        ["required column is missing", "meta_score"],
    ),
    "semicolon separated": (
        csv_bytes(TWO, sep=";"),
        ContractViolationError,
        ["required column is missing", "platform"],
    ),
    "semicolon separated, commas in the lists": (
        csv_bytes([row(), row(id="r2", developers="['Nintendo', 'Retro']")], sep=";"),
        ContractViolationError,
        ["required column is missing", "platform", "meta_score", "genres"],
    ),
    "tab separated": (
        csv_bytes(TWO, sep="\t"),
        ContractViolationError,
        ["required column is missing", "platform"],
    ),
    "Latin-1 text": (
        csv_bytes([row(title="Pokémon Café")]).decode().encode("latin-1"),
        DatasetReadError,
        ["utf-8", "codec can't decode"],
    ),
    "required column missing": (
        csv_bytes(TWO, [c for c in COLUMNS if c != "platform"]),
        ContractViolationError,
        ["platform", "required column is missing"],
    ),
    "id column renamed": (
        csv_bytes(
            [{("game_id" if k == "id" else k): v for k, v in r.items()} for r in TWO],
            ["game_id", *COLUMNS[1:]],
        ),
        ContractViolationError,
        ["id", "required column is missing"],
    ),
    "meta_score column of text": (
        csv_bytes([row(meta_score="great"), row(id="r2", meta_score="superb")]),
        ContractViolationError,
        ["meta_score", "numeric_column"],
    ),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_bad_batch_files_fail_with_one_clear_error(case, tmp_path, trained_model):
    content, error_type, fragments = FILE_CASES[case]
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(error_type) as caught:
        score(load_batch(path), trained_model)
    message = str(caught.value)
    assert str(path) in message and "batch_input" in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    "case", ["no header", "JSON", "HTML error page", "semicolon separated, commas in the lists"]
)
def test_every_missing_column_is_named(case, tmp_path, trained_model):
    """Kedro shows at most 5 examples of a failure: the 8 missing columns must all be named."""
    path = tmp_path / "input.csv"
    path.write_bytes(FILE_CASES[case][0])
    with pytest.raises(ContractViolationError) as caught:
        score(load_batch(path), trained_model)
    named = re.search(r"required column is missing: (.+?) —", str(caught.value))
    assert named, str(caught.value)
    assert named.group(1).split(", ") == COLUMNS


ROW_CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "null id": ({"id": ""}, "id: not_nullable"),
    "meta_score text": ({"meta_score": "great"}, "meta_score: number_in_range(0,100)"),
    "meta_score negative": ({"meta_score": "-1"}, "meta_score: number_in_range(0,100)"),
    "meta_score above 100": ({"meta_score": "100.5"}, "meta_score: number_in_range(0,100)"),
    "meta_score missing": ({"meta_score": ""}, None),
    "impossible date": ({"date": "Feb 30, 2020"}, "date: release_date_format"),
    "other date format": ({"date": "02/12/2021"}, "date: release_date_format"),
    "Metacritic date": ({"date": "Feb 12, 2021"}, None),
    # Implausible release years (9999, 1, 0, and the Unix epoch 1970: 41 years before the
    # 3DS launched) used to be scored; the training contract's window applies.
    "year 9999": ({"date": "9999"}, "date: release_year_in_range(1972,2100)"),
    "year 0001": ({"date": "0001"}, "date: release_year_in_range(1972,2100)"),
    "TBA 0000": ({"date": "TBA 0000"}, "date: release_year_in_range(1972,2100)"),
    "epoch day": ({"date": "1970-01-01"}, "date: release_year_in_range(1972,2100)"),
    "TBA": ({"date": "TBA"}, None),
    "cancelled": ({"date": "Canceled"}, "date: not_cancelled"),
    "genres not a list string": ({"genres": "Action|Puzzle"}, "genres: list_string"),
    "genres missing a comma": ({"genres": "['Action' 'Puzzle']"}, "genres: list_string"),
    "genres empty list": ({"genres": "[]"}, None),
    "genres very long": ({"genres": "['" + "x" * 3_000 + "']"}, "genres: list_string"),
    "1 MB title": ({"title": "T" * 1_000_000}, "title: str_length"),
    "title missing (optional)": ({"title": ""}, None),
    "unseen platform": ({"platform": "Virtual Boy"}, None),
    "scrape-error platform": ({"platform": "TG16)"}, "platform: plausible_platform_name"),
    "unseen ESRB": ({"esrb_rating": "PEGI 18"}, None),
    # CSV injection: an id is written into predictions.csv, which people open in
    # spreadsheets; it used to be written as-is (and run as a formula there).
    "formula id": ({"id": '=HYPERLINK("http://x.example","open")'}, "id: not_a_formula"),
    "plus id": ({"id": "+1-555"}, "id: not_a_formula"),
    "at id": ({"id": "@SUM(A1)"}, "id: not_a_formula"),
    "tab id": ({"id": "\tx"}, "id: not_a_formula"),
    "formula title (scored)": ({"title": "=1+1"}, None),
}


@pytest.mark.parametrize("case", list(ROW_CASES))
def test_each_bad_batch_row_is_quarantined_with_its_reason(case, trained_model):
    overrides, reason = ROW_CASES[case]
    rows = [*TWO, row(id="target", **{})]
    rows[-1].update(overrides)
    result = score_bytes(csv_bytes(rows), trained_model)
    assert_accounted(result)
    quarantine = result["scoring_quarantine"]
    if reason is None:
        assert result["scoring_summary"]["rows_scored"] == 3, quarantine.get("reason")
    else:
        assert len(quarantine) == 1
        assert reason in quarantine["reason"].item()


FIELD_COUNT_CASES: dict[str, bytes] = {
    # The row, cut after the first digit of meta_score and without a final newline:
    # it used to be scored with meta_score 9 and no esrb_rating, developers or genres.
    "truncated last line": b"cut,Star Quest,Switch,2019-06-14,9",
    "short row": b"short,Star Quest,Switch,2019-06-14,92,E\n",
    "one field": b"lonely\n",
    "long row": b"long,Star Quest,Switch,2021-02-12,80,E,['Nintendo'],['Action'],surplus\n",
    "unquoted comma in a title": b"comma,Zelda, Link,Switch,2021-02-12,80,E,['Nintendo'],[]\n",
}


@pytest.mark.parametrize("case", list(FIELD_COUNT_CASES))
def test_a_row_with_too_few_or_too_many_fields_is_quarantined(case, trained_model):
    result = score_bytes(csv_bytes(TWO) + FIELD_COUNT_CASES[case], trained_model)
    assert_accounted(result)
    assert result["scoring_summary"]["rows_in"] == 3
    assert result["predictions@csv"]["id"].tolist() == ["r1", "r2"]
    quarantine = result["scoring_quarantine"]
    assert len(quarantine) == 1 and "row: field_count" in quarantine["reason"].item()
    assert quarantine["source_row"].item() == 2


def test_every_row_one_field_too_many_is_not_shifted_into_the_columns(trained_model):
    """pandas takes the first field as the index when every row has one field more than the
    header: every value would move one column to the left (id <- title, ...)."""
    lines = csv_bytes(TWO).decode().splitlines()
    content = "\n".join([lines[0], *(line + ",extra" for line in lines[1:])]) + "\n"
    result = score_bytes(content.encode(), trained_model)
    assert_accounted(result)
    assert result["scoring_summary"]["rows_scored"] == 0
    assert result["scoring_quarantine"]["id"].tolist() == ["r1", "r2"]
    assert (result["scoring_quarantine"]["reason"] == "row: field_count").all()


def test_a_day_whose_meta_scores_all_sit_on_a_ten_point_scale_is_flagged(trained_model):
    """meta_score is 0-100: 8.5 is valid alone, but a day of 0-10 values is a scale mix-up."""
    scores = ["8.5", "7", "9.1", "", "10"]
    rows = [row(id=f"s{i}", meta_score=score) for i, score in enumerate(scores)]
    result = score_bytes(csv_bytes(rows), trained_model)
    assert_accounted(result)
    assert result["scoring_summary"]["rows_scored"] == 5  # scored, and flagged
    assert result["scoring_summary"]["meta_score_scale_suspect"] is True
    normal = score_bytes(csv_bytes([*rows, row(id="s9", meta_score="85")]), trained_model)
    assert normal["scoring_summary"]["meta_score_scale_suspect"] is False


NA_LIKE = ["NA", "null", "None", "nan", "N/A", "NaN", "#N/A", "n/a", "<NA>"]


@pytest.mark.parametrize("token", NA_LIKE)
def test_na_like_ids_and_titles_are_text_not_missing(token, trained_model):
    """pandas' default NA markers turned these ids into missing ones (quarantined, the text
    lost) and these titles into empty ones (scored as a game without a title)."""
    result = score_bytes(csv_bytes([row(id=token, title=token), row(id="r2")]), trained_model)
    assert_accounted(result)
    assert result["predictions@csv"]["id"].tolist() == [token, "r2"]
    assert result["scored_features@parquet"]["title_length"].tolist()[0] == len(token)


def test_an_na_like_id_survives_the_predictions_file_monitoring_reads(tmp_path, trained_model):
    predictions = score_bytes(csv_bytes([row(id="NA"), row(id="r2")]), trained_model)[
        "predictions@csv"
    ]
    entries = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_07_model_output.yml").read_text())
    folder = tmp_path / "prod" / "predictions"
    catalog = ContractDataCatalog.from_config(
        {
            "predictions@csv": {
                **entries["predictions@csv"],
                "filepath": str(folder / "dt=2021-06-01" / "predictions.csv"),
            },
            "predictions@partitions": {**entries["predictions@partitions"], "path": str(folder)},
        }
    )
    catalog.save("predictions@csv", predictions)
    assert catalog.load("predictions@csv")["id"].tolist() == ["NA", "r2"]
    (load,) = catalog.load("predictions@partitions").values()
    assert load()["id"].tolist() == ["NA", "r2"]


def test_formula_cells_reach_no_file_a_spreadsheet_would_run(tmp_path, trained_model):
    """Predictions never hold a formula id; the quarantine keeps the row, neutralised."""
    rows = [row(), row(id="=1+2", title="@evil"), row(id="r3", title="=HYPERLINK(1)")]
    result = score_bytes(csv_bytes(rows), trained_model)
    assert_accounted(result)
    assert result["predictions@csv"]["id"].tolist() == ["r1", "r3"]
    entries = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_08_reporting.yml").read_text())
    path = tmp_path / "scoring_quarantine.csv"
    catalog = ContractDataCatalog.from_config(
        {"scoring_quarantine": {**entries["scoring_quarantine"], "filepath": str(path)}}
    )
    catalog.save("scoring_quarantine", result["scoring_quarantine"])
    written = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert written[["id", "title"]].values.tolist() == [["'=1+2", "'@evil"]]
    assert written["reason"].item() == "id: not_a_formula"
    cells = written.to_numpy().ravel().tolist()
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_duplicate_ids_are_never_scored(trained_model):
    rows = [*TWO, row(id="r1", title="Another game"), row(id="r3")]
    result = score_bytes(csv_bytes(rows), trained_model)
    assert_accounted(result)
    assert set(result["predictions@csv"]["id"]) == {"r2", "r3"}
    assert (result["scoring_quarantine"]["id"] == "r1").sum() == 2  # every copy, unchanged


def test_a_leaked_user_score_column_is_ignored(trained_model):
    clean = score_bytes(csv_bytes(TWO), trained_model)["predictions@csv"]
    leaked_rows = [{**r, "user_score": score} for r, score in zip(TWO, ["0", "10"], strict=True)]
    leaked = score_bytes(csv_bytes(leaked_rows, [*COLUMNS, "user_score"]), trained_model)
    assert_accounted(leaked)
    assert "user_score" in leaked["scoring_summary"]["ignored_columns"]
    pd.testing.assert_frame_equal(leaked["predictions@csv"], clean)  # same predictions to the bit


def test_header_only_bom_and_mixed_rows(trained_model):
    empty = score_bytes(csv_bytes([]), trained_model)  # a day without games: a valid empty day
    assert_accounted(empty)
    assert empty["scoring_summary"]["rows_in"] == 0

    hostile = [overrides for overrides, reason in ROW_CASES.values() if reason]
    rows = [row(id=f"g{i}") for i in range(40)]
    for i, overrides in enumerate(hostile):
        rows[i * 2].update(overrides)
    result = score_bytes(b"\xef\xbb\xbf" + csv_bytes(rows), trained_model)
    assert_accounted(result)
    assert result["scoring_summary"]["rows_quarantined"] == len(hostile)


CELLS = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.sampled_from(
        [
            "80",
            "-3",
            "101",
            "1e9",
            "nan",
            "TBA",
            "Feb 29, 2021",
            "2021-02-29",
            "2020-02-29",
            "[]",
            "['A']",
            "['A'",
            "Switch",
            "TG16)",
            "E",
            "PEGI 18",
            "r1",
            "r1",
            '"',
            "a;b",
        ]
    ),
)


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for i in range(draw(st.integers(min_value=1, max_value=10))):
        current = row(id=f"h{i}")
        for column in draw(st.sets(st.sampled_from(COLUMNS), max_size=3)):
            current[column] = draw(CELLS)
        rows.append(current)
    return rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=batches())
def test_any_batch_is_scored_and_accounted_for_or_refused_clearly(rows, trained_model):
    try:
        result = score_bytes(csv_bytes(rows), trained_model)
    except CLEAR_ERRORS as error:
        assert "input.csv" in str(error)
        return
    assert_accounted(result)
