"""Unit tests of user_score.quality: column profiles, rules, duplicates, comparison, the page."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from tests.conftest import DEMO_CATALOG, quality_inputs
from user_score.contracts import (
    BATCH_COLUMNS,
    RAW_COLUMNS,
    BatchInputRow,
    RawGameRow,
    row_failures,
    split_by_contract,
)
from user_score.params import RunDate
from user_score.quality import (
    QualityParams,
    columns_table,
    compare_profiles,
    contract_rules,
    render_html,
    rule_results,
)
from user_score.quality.columns import profile_column, weighted_quantiles
from user_score.quality.nodes import previous_profile, profile_raw_games, report_quality
from user_score.quality.rules import duplicate_keys, duplicate_rows, row_hashes

PARAMS = QualityParams()


def column(values: list, name: str = "c") -> dict:
    series = pd.Series(values, dtype="str", name=name)
    return profile_column(series, np.arange(len(series)), PARAMS)


def raw_profile(raw: pd.DataFrame, previous: dict | None = None, **params) -> dict:
    """profile_raw_games on ``raw`` as data_engineering runs it (quarantine from the contract)."""
    from user_score.pipelines.data_engineering.nodes import (
        build_quarantine,
        clean_games,
        split_raw_games,
    )

    valid, rejected, intake = split_raw_games(raw)
    _, duplicates = clean_games(valid)
    quarantine = build_quarantine(rejected, duplicates).astype(str)  # as the CSV loads it
    previous_partitions = {} if previous is None else {"profile": lambda: previous}
    settings = {**quality_inputs()["params:data_engineering.quality"], **params}
    return profile_raw_games(raw, intake, quarantine, previous_partitions, settings)


def findings(profile: dict) -> str:
    return "\n".join(f"{f['severity']}: {f['message']}" for f in profile["findings"])


@pytest.fixture(scope="module")
def demo_raw() -> pd.DataFrame:
    return pd.read_csv(DEMO_CATALOG, dtype=str, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def demo_profile(demo_raw) -> dict:
    return raw_profile(demo_raw)


# ---------------------------------------------------------------------------- columns
def test_weighted_quantiles_equal_numpy_on_the_expanded_values():
    rng = np.random.default_rng(0)
    values = rng.normal(size=40).round(1)
    weights = rng.integers(1, 7, size=40)
    expanded = np.repeat(values, weights)
    qs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    np.testing.assert_allclose(weighted_quantiles(values, weights, qs), np.quantile(expanded, qs))


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "2.5", None, "x"], "number"),
        (["['a', 'b']", "[]", None], "list"),
        (["Feb 12, 2021", "2020-01-03", "TBA"], "date"),
        (["E", "T", "E", None], "category"),
        ([None, None], "empty"),
    ],
)
def test_column_kind_is_inferred_from_the_values(values, kind):
    assert column(values)["kind"] == kind


def test_text_column_with_many_values():
    profile = column([f"title {i}" for i in range(60)])
    assert (profile["kind"], profile["min_length"], profile["max_length"]) == ("text", 7, 8)


def test_numeric_column_counts_missing_non_numbers_and_iqr_outliers():
    values = ["10", "11", "12", "11", "10", "12", "11", "95", "abc", None]
    profile = column(values, "meta_score")
    assert (profile["missing"], profile["missing_pct"], profile["distinct"]) == (1, 10.0, 5)
    assert (profile["non_numeric"], profile["non_numeric_rows"]) == (1, [8])
    assert profile["min"] == 10 and profile["max"] == 95
    assert profile["median"] == float(np.median([10, 11, 12, 11, 10, 12, 11, 95]))
    assert profile["outliers"]["count"] == 1
    assert profile["outliers"]["example_rows"] == [7]


def test_category_keeps_every_value_and_lists_keep_their_items():
    assert column(["E", "T", "E", None])["categories"] == {"E": 2, "T": 1}
    lists = column(["['Nintendo', 'Game Freak']", "['Nintendo']", "Nintendo, Sega", None])
    assert lists["not_a_list"] == 1
    assert lists["top_items"][0] == {"value": "Nintendo", "count": 2}


def test_dates_report_their_range_and_tba():
    profile = column(["Feb 12, 2021", "1999-06-30", "TBA", "Canceled", "Feb 30, 2021"])
    assert (profile["min"], profile["max"]) == ("1999-06-30", "2021-02-12")
    assert (profile["tba"], profile["cancelled"], profile["unparseable"]) == (1, 1, 1)


# ---------------------------------------------------------------------------- contract rules
def hostile_raw() -> pd.DataFrame:
    rows = [
        dict.fromkeys(RAW_COLUMNS),  # every required value missing
        {c: "x" * 400 for c in RAW_COLUMNS},  # every rule broken
        {
            "meta_score": "80",
            "title": "Ok",
            "platform": "Switch",
            "date": "Canceled",
            "user_score": "11",
            "link": "/game/switch/ok",
            "esrb_rating": "E",
            "developers": "['A']",
            "genres": "['B']",
        },
    ]
    return pd.DataFrame(rows, columns=list(RAW_COLUMNS)).astype("str")


def test_contract_rules_name_every_rule_as_quarantine_reasons_do():
    labels = [label for label, _ in contract_rules(RawGameRow)]
    assert "title: not_nullable" in labels
    assert "meta_score: number_in_range(0,100)" in labels
    assert "platform: recognised_or_repairable_from_link" in labels
    reasons = row_failures(hostile_raw(), RawGameRow)
    found = set(reasons.str.split("; ").explode()) - {""}
    assert found <= set(labels), found - set(labels)


def test_rule_counts_match_the_quarantine_row_by_row():
    frame = hostile_raw().assign(source_row=[5, 6, 7])
    _, rejected = split_by_contract(frame, RawGameRow)
    results = rule_results(RawGameRow, rejected, rows_checked=3, example_rows=10)
    by_rule = {rule["rule"]: rule for rule in results["rules"]}
    assert results["rows_failed"] == 3
    assert by_rule["title: not_nullable"]["failed"] == 1
    assert by_rule["title: not_nullable"]["example_rows"] == [5]
    assert by_rule["date: not_cancelled"]["example_rows"] == [7]
    assert by_rule["user_score: number_in_range(0,10)"]["example_rows"] == [6, 7]
    assert by_rule["meta_score: number_in_range(0,100)"]["passed"] == 2
    assert by_rule["platform: recognised_or_repairable_from_link"]["example_rows"] == [5]
    assert results["other_reasons"] == []
    # one reason per failed rule and row (a table-level rule is one reason, not one per column)
    reasons = rejected["reason"].str.split("; ").explode()
    assert sum(rule["failed"] for rule in results["rules"]) == len(reasons)


def test_a_clean_file_lists_every_rule_with_no_failure():
    empty = pd.DataFrame(columns=["source_row", "reason"])
    results = rule_results(BatchInputRow, empty, rows_checked=4, example_rows=3)
    assert results["rows_failed"] == 0
    assert {rule["failed"] for rule in results["rules"]} == {0}
    assert {rule["passed"] for rule in results["rules"]} == {4}
    assert len(results["rules"]) == len(contract_rules(BatchInputRow))


def test_duplicates_across_blocks_use_file_row_numbers():
    first = pd.DataFrame({"a": ["1", "2"], "b": ["x", "y"], "source_row": [0, 2]})
    second = pd.DataFrame({"a": ["1", "3"], "b": ["x", "y"], "source_row": [1, 3]})
    hashes = row_hashes([first, second], ["a", "b"])
    rows = np.array([0, 2, 1, 3])
    assert duplicate_rows(hashes, rows, 10, "removed")["example_rows"] == [1]
    key = pd.Series(["k", "j", "k ", None], name="link", dtype="str")
    links = duplicate_keys(key, rows, 10, "most complete kept", strip=True)
    assert (links["rows"], links["distinct_keys"], links["example_rows"]) == (2, 1, [0, 1])
    assert duplicate_keys(key, rows, 10, "quarantined")["rows"] == 0


# ---------------------------------------------------------------------------- whole profile
def test_demo_catalog_profile_agrees_with_pandas(demo_raw, demo_profile):
    assert demo_profile["rows"] == len(demo_raw)
    assert demo_profile["file_columns"] == list(RAW_COLUMNS)
    for col in demo_profile["columns"]:
        expected = 100 * demo_raw[col["name"]].isna().mean()
        assert col["missing_pct"] == pytest.approx(expected, abs=0.051), col["name"]
        assert col["missing"] == demo_raw[col["name"]].isna().sum()
        assert col["distinct"] == demo_raw[col["name"]].nunique()
    assert demo_profile["duplicates"]["exact_duplicates"]["rows"] == demo_raw.duplicated().sum()
    target = demo_profile["target"]
    assert target["labelled"] == demo_raw["user_score"].notna().sum()
    assert sum(b["count"] for b in target["histogram"]) == target["labelled"]
    assert "date: not_cancelled" in findings(demo_profile)
    json.dumps(demo_profile, allow_nan=False)  # strict JSON: no NaN anywhere


def test_the_same_file_gives_the_same_profile(demo_raw, demo_profile):
    again = raw_profile(demo_raw)
    assert again == demo_profile
    assert raw_profile(demo_raw.iloc[::-1])["fingerprint"] != demo_profile["fingerprint"]


def test_all_missing_column_is_reported_not_a_crash(demo_raw):
    raw = demo_raw.head(50).copy()
    raw["meta_score"] = None
    profile = raw_profile(raw)
    meta = next(c for c in profile["columns"] if c["name"] == "meta_score")
    assert (meta["kind"], meta["missing_pct"]) == ("empty", 100.0)
    assert "warning: 'meta_score': every value is missing" in findings(profile)
    assert profile["status"] == "warning"
    json.dumps(profile, allow_nan=False)


def test_one_row_file(demo_raw):
    profile = raw_profile(demo_raw.loc[demo_raw["user_score"].notna()].head(1))
    assert profile["rows"] == 1
    assert "one data row" in findings(profile)
    user = next(c for c in profile["columns"] if c["name"] == "user_score")
    assert user["outliers"] is None and "too few" in user["outliers_note"]
    render_html(profile, "one row")


def test_header_only_day_has_a_profile_that_says_so():
    from user_score.pipelines.scoring.nodes import validate_batch_input
    from user_score.quality.nodes import profile_batch_input

    day = pd.DataFrame(columns=list(BATCH_COLUMNS), dtype="str")
    valid, rejected, intake = validate_batch_input(day, RunDate("2021-03-02"))
    profile = profile_batch_input(
        valid, rejected, intake, {}, quality_inputs()["params:scoring.quality"]
    )
    assert profile["rows"] == 0 and profile["run_date"] == "2021-03-02"
    assert "warning: the file has no data rows" in findings(profile)
    assert {c["kind"] for c in profile["columns"]} == {"empty"}
    assert profile["target"] is None
    page, table = report_quality(profile)
    assert "no data rows" in page and list(table["column"]) == list(BATCH_COLUMNS)
    json.dumps(profile, allow_nan=False)


def test_a_scoring_day_counts_rules_duplicate_ids_and_ignored_columns():
    from user_score.pipelines.scoring.nodes import validate_batch_input
    from user_score.quality.nodes import profile_batch_input

    good = {
        "id": "a",
        "title": "T",
        "platform": "Switch",
        "date": "2021-02-01",
        "meta_score": "70",
        "esrb_rating": "E",
        "developers": "['N']",
        "genres": "['G']",
    }
    rows = [good, {**good, "id": "b", "meta_score": "150"}, {**good, "id": "c"}]
    rows += [{**good, "id": "c", "title": "U"}]
    day = pd.DataFrame(rows).assign(user_score="8.0").astype("str")
    valid, rejected, intake = validate_batch_input(day, RunDate("2021-03-02"))
    profile = profile_batch_input(
        valid, rejected, intake, {}, quality_inputs()["params:scoring.quality"]
    )
    rules = {rule["rule"]: rule for rule in profile["contract"]["rules"]}
    assert rules["id: unique"]["example_rows"] == [2, 3]
    assert rules["meta_score: number_in_range(0,100)"]["example_rows"] == [1]
    assert profile["duplicates"]["duplicate_keys"]["example_rows"] == [2, 3]
    assert profile["ignored_columns"] == ["user_score"]
    assert "not read by the pipeline: user_score" in findings(profile)


# ---------------------------------------------------------------------------- comparison
def test_first_run_has_nothing_to_compare(demo_profile):
    assert demo_profile["comparison"]["previous"] is None
    assert "first profile" in demo_profile["comparison"]["summary"]


def test_unchanged_file_reports_no_change(demo_raw, demo_profile):
    again = raw_profile(demo_raw, previous=demo_profile)
    assert again["comparison"]["same_content"] is True
    assert again["comparison"]["changes"] == []


def changed_catalog(raw: pd.DataFrame) -> pd.DataFrame:
    """The demo catalog with half its critic scores gone, a new platform and a new column."""
    changed = raw.copy()
    changed.loc[changed.index[::2], "meta_score"] = None
    changed.loc[changed.index[:100], "platform"] = "VR1"
    changed["region"] = "EU"
    return changed


def test_changes_since_the_previous_profile_are_reported(demo_raw, demo_profile):
    profile = raw_profile(changed_catalog(demo_raw), previous=demo_profile)
    changes = {(c["kind"], c["column"]): c for c in profile["comparison"]["changes"]}
    assert changes[("new_column", "region")]["severity"] == "warning"
    assert changes[("missing_rate", "meta_score")]["severity"] == "warning"
    assert changes[("new_categories", "platform")]["current"] == ["VR1"]
    assert changes[("new_categories", "platform")]["severity"] == "warning"
    assert profile["status"] == "warning"
    text = findings(profile)
    assert "new column 'region'" in text and "'meta_score' missing 34.5 % ->" in text


def test_change_thresholds_are_parameters(demo_raw, demo_profile):
    lenient = {"changes": {"missing_rate_jump": 0.9, "new_category_share": 0.9}}
    profile = raw_profile(changed_catalog(demo_raw), previous=demo_profile, **lenient)
    changes = {(c["kind"], c["column"]): c for c in profile["comparison"]["changes"]}
    assert ("missing_rate", "meta_score") not in changes
    assert changes[("new_categories", "platform")]["severity"] == "info"


def test_rule_failure_jump_and_row_count_change():
    base = {
        "rows": 100,
        "fingerprint": "a",
        "file_columns": ["c"],
        "columns": [],
        "contract": {"rules": [{"rule": "c: r", "column": "c", "failed": 1, "failed_pct": 1.0}]},
    }
    now = {
        **base,
        "rows": 300,
        "fingerprint": "b",
        "contract": {"rules": [{"rule": "c: r", "column": "c", "failed": 30, "failed_pct": 10.0}]},
    }
    previous = {**base, "profile_version": 1}
    changes = compare_profiles(now, previous, QualityParams().changes)["changes"]
    assert [(c["kind"], c["severity"]) for c in changes] == [
        ("rows", "warning"),
        ("rule_failures", "warning"),
    ]


def test_previous_profile_of_a_day_is_the_latest_earlier_day():
    loaded = []

    def loader(day):
        return lambda: loaded.append(day) or {"run_date": day}

    partitions = {f"dt={d}/profile": loader(d) for d in ("2021-02-27", "2021-03-01", "2021-03-03")}
    assert previous_profile(partitions, before="2021-03-03") == {"run_date": "2021-03-01"}
    assert loaded == ["2021-03-01"]  # only that one is read
    assert previous_profile(partitions, before="2021-02-27") is None
    assert previous_profile({}, before="2021-03-01") is None
    assert previous_profile({"profile": lambda: {"rows": 1}}) == {"rows": 1}


def test_an_unreadable_previous_profile_is_not_compared():
    def broken():
        raise ValueError("truncated JSON")

    assert previous_profile({"dt=2021-02-01/profile": broken}, before="2021-03-01") is None


# ---------------------------------------------------------------------------- outputs
def test_page_is_self_contained_and_escapes_values(demo_raw):
    raw = demo_raw.head(30).copy()
    raw.loc[raw.index[:20], "title"] = "<script>alert(1)</script>"
    page = render_html(raw_profile(raw), "Data quality")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"(src|href)\s*=|https?://|@import|url\(", page)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "&lt;NA&gt;" not in page and ">nan<" not in page


def test_column_table_has_one_row_per_column(demo_profile):
    table = columns_table(demo_profile)
    assert list(table["column"]) == list(RAW_COLUMNS)
    meta = table.set_index("column").loc["meta_score"]
    assert (meta["kind"], meta["missing_pct"]) == ("number", 34.5)
    assert table.set_index("column").loc["date", "rules_failed"] == 19


def test_thresholds_are_validated():
    with pytest.raises(ValidationError):
        QualityParams.model_validate({"missing_rate_warning": 2})
    with pytest.raises(ValidationError):
        QualityParams.model_validate({"changes": {"missing_rate_jump": 0.1, "typo": 1}})
    assert QualityParams.model_validate(quality_inputs()["params:scoring.quality"])


def test_row_hashes_do_not_depend_on_the_chunk_size(demo_raw):
    block = demo_raw.assign(source_row=range(len(demo_raw)))
    columns = list(RAW_COLUMNS)
    np.testing.assert_array_equal(
        row_hashes([block], columns, chunk_rows=7), row_hashes([block], columns)
    )


@pytest.mark.parametrize(
    "values",
    [
        [f"id-{i}" for i in range(50)],  # every value distinct: already in order
        ["b", "a", "b", "c", "a", "b", None, "d"],  # counts to reorder, ties, a missing value
        ["a", "a", "b", "c", "c"],  # already non-increasing with ties
        [],
    ],
    ids=["distinct", "unordered", "ordered-ties", "empty"],
)
def test_value_counts_are_the_stable_sort_of_the_counts(values):
    """Most frequent first, ties in order of first appearance, whether or not the counts
    came in order (then they are not re-sorted)."""
    from user_score.quality.columns import value_counts

    series = pd.Series(values, dtype="str")
    expected = series.value_counts(dropna=True, sort=False)
    expected = expected.sort_values(ascending=False, kind="stable").astype("int64")
    pd.testing.assert_series_equal(value_counts(series), expected)
