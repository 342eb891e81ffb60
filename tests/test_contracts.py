"""The contracts themselves: documentation in step, quarantine mechanics."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

import user_score
from user_score.contracts import (
    BatchInputRow,
    RawGameRow,
    RawGames,
    is_number_in_range,
    row_failures,
    split_by_contract,
)
from user_score.contracts.docs import (
    CONTRACT_DOC,
    DOCUMENTED_CONTRACTS,
    render_contract_document,
)


def test_contract_doc_is_generated_from_the_models():
    committed = CONTRACT_DOC.read_text(encoding="utf-8")
    assert committed == render_contract_document(committed), (
        "docs/data_contract.md is out of date: run `python -m user_score.contracts --write`"
    )
    for model in DOCUMENTED_CONTRACTS:
        assert f"### `{model.__name__}`" in committed


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names |= {base} | {f"{base}.{alias.name}".replace("..", ".") for alias in node.names}
    return names


def test_runtime_code_never_imports_the_docs_generator():
    package = Path(user_score.__file__).parent
    entry_point = package / "contracts" / "__main__.py"
    importers = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path != entry_point and {"user_score.contracts.docs", ".docs"} & _imported_modules(path)
    ]
    assert importers == []
    assert "user_score.contracts.docs" in _imported_modules(entry_point)


class _Toy(pa.DataFrameModel):
    score: pd.StringDtype = pa.Field(nullable=True)
    name: pd.StringDtype = pa.Field(nullable=False)

    @pa.check("score", name="number_0_10")
    @classmethod
    def in_range(cls, series: pd.Series) -> pd.Series:
        return is_number_in_range(series, 0, 10)


def test_split_by_contract_keeps_every_row_and_names_each_broken_rule():
    frame = pd.DataFrame(
        {"score": ["1", "11", None, "x"], "name": ["a", None, "c", None]}, dtype="string"
    )
    valid, rejected = split_by_contract(frame, _Toy)
    assert len(valid) + len(rejected) == len(frame)
    assert valid.index.tolist() == [0, 2]
    assert rejected["reason"].tolist() == [
        "name: not_nullable; score: number_0_10",
        "name: not_nullable; score: number_0_10",
    ]
    assert rejected["score"].tolist() == ["11", "x"]  # rows are kept unchanged


def test_file_level_failures_are_not_turned_into_row_reasons():
    with pytest.raises(pa.errors.SchemaErrors):
        row_failures(pd.DataFrame({"score": ["1"]}, dtype="string"), _Toy)  # no `name` column


def test_raw_contract_accepts_a_few_bad_numbers_but_not_a_text_column():
    base = {column: ["x"] * 4 for column in RawGames.to_schema().columns}
    mostly_numbers = pd.DataFrame(
        {**base, "meta_score": ["80", "90", "n/a", None], "user_score": ["8"] * 4}
    )
    RawGames.validate(mostly_numbers, lazy=True)
    text = pd.DataFrame(
        {**base, "meta_score": ["great", "good", "bad", "80"], "user_score": ["8"] * 4}
    )
    with pytest.raises(pa.errors.SchemaErrors, match="numeric_column"):
        RawGames.validate(text, lazy=True)


# The four rules a raw catalog row and a batch row share: one breaking value each, and
# the exact reason it gives (quarantine tables and their readers depend on these strings).
_SHARED_RULES = [
    ("meta_score", "101", "meta_score: number_in_range(0,100)"),
    ("date", "Feb 30, 2021", "date: release_date_format"),
    ("date", "9999", "date: release_year_in_range(1972,2100)"),
    ("date", "Canceled", "date: not_cancelled"),
    ("developers", "Nintendo", "developers: list_string"),
    ("genres", "['Action'", "genres: list_string"),
]
_GOOD_RAW_ROW = {
    "meta_score": "80",
    "title": "A game",
    "platform": "Switch",
    "date": "Feb 12, 2021",
    "user_score": "8.5",
    "link": "/game/switch/a-game",
    "esrb_rating": "E",
    "developers": "['Nintendo']",
    "genres": "['Action']",
}
_GOOD_BATCH_ROW = {
    "id": "x",
    "title": "A game",
    "platform": "Switch",
    "date": "2021-02-12",
    "meta_score": "80",
    "esrb_rating": "E",
    "developers": "['Nintendo']",
    "genres": "['Action']",
}


@pytest.mark.parametrize(
    ("schema", "good_row"),
    [(RawGameRow, _GOOD_RAW_ROW), (BatchInputRow, _GOOD_BATCH_ROW)],
    ids=["raw", "batch"],
)
def test_raw_and_batch_rows_give_the_same_reasons_for_the_rules_they_share(schema, good_row):
    rows = [good_row] + [{**good_row, column: value} for column, value, _ in _SHARED_RULES]
    rows.append({**good_row, **{column: value for column, value, _ in _SHARED_RULES[2:]}})
    rows[-1]["meta_score"] = "-1"
    frame = pd.DataFrame(rows)
    if "id" in frame:
        frame["id"] = [f"id{i}" for i in range(len(frame))]
    assert row_failures(frame, schema).tolist() == [
        "",
        *(reason for _, _, reason in _SHARED_RULES),
        "date: not_cancelled; developers: list_string; genres: list_string; "
        "meta_score: number_in_range(0,100)",
    ]


def test_a_table_level_rule_gives_one_reason_per_row_not_one_per_column():
    """pandera reports a dataframe check's failure once per column: 9 copies of one reason."""
    bad_platform = {**_GOOD_RAW_ROW, "platform": "???", "link": "/game/nowhere/x"}
    frame = pd.DataFrame([_GOOD_RAW_ROW, bad_platform, {**bad_platform, "meta_score": "101"}])
    assert row_failures(frame, RawGameRow).tolist() == [
        "",
        "platform: recognised_or_repairable_from_link",
        "meta_score: number_in_range(0,100); platform: recognised_or_repairable_from_link",
    ]
