"""Hostile label deliveries for monitoring: ``prod/actuals/dt=YYYY-MM-DD/actuals.csv``.

Each file is read through the real ``actuals`` catalog
entry and monitoring's ``select_labels`` node. The rule: a clear error naming
the file (or partition) and the column, or every row accounted for with
``rows_in = labels + quarantined + duplicates_removed`` and a reason for each
quarantined row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import write_csv
from user_score.catalog import ContractDataCatalog
from user_score.params import RunDate
from user_score.pipelines.monitoring.params import MonitoringParams
from user_score.pipelines.monitoring.windows import select_labels

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENTRY = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_01_raw.yml").read_text())["actuals"]
RUN_DATE = "2024-03-10"
PARAMS = MonitoringParams.model_validate(
    {
        **yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_monitoring.yml").read_text())[
            "monitoring"
        ],
        "fail_on": "none",
    }
)
COLUMNS = ["id", "event_date", "real_user_score"]


def label(**overrides: Any) -> dict[str, Any]:
    row = {"id": "g1", "event_date": "2024-03-09", "real_user_score": "7.5"}
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, Any]], columns: list[str] = COLUMNS, sep: str = ",") -> bytes:
    return write_csv(rows, columns, sep).encode("utf-8")


def select(root: Path, content: bytes) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    return select_deliveries(root, {RUN_DATE: content})


def select_deliveries(
    root: Path, deliveries: dict[str, bytes]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """``select_labels`` over one ``dt=<day>/actuals.csv`` per delivery day."""
    for day, content in deliveries.items():
        partition = root / "prod" / "actuals" / f"dt={day}"
        partition.mkdir(parents=True, exist_ok=True)
        (partition / "actuals.csv").write_bytes(content)
    catalog = ContractDataCatalog.from_config(
        {"actuals": {**ENTRY, "path": str(root / "prod" / "actuals")}}
    )
    return select_labels(catalog.load("actuals"), RunDate(RUN_DATE), PARAMS)


def assert_accounted(labels: pd.DataFrame, quarantined: pd.DataFrame, intake: dict) -> None:
    assert intake["rows_in"] == len(labels) + len(quarantined) + intake["duplicates_removed"]
    assert intake["labels"] == len(labels)
    assert all(": " in reason for reason in quarantined.get("reason", []))
    assert labels["id"].is_unique


GOOD = [label(), label(id="g2", real_user_score="3.0")]

FILE_CASES: dict[str, Any] = {
    "binary": (bytes(range(256)) * 8, ["actuals.csv"]),
    "Latin-1": (csv_bytes([label(id="Pokémon")]).decode().encode("latin-1"), ["codec"]),
    # A one-line body is read as a header with no rows; it must still be refused.
    "JSON": (pd.DataFrame(GOOD).to_json(orient="records").encode(), ["id", "missing"]),
    "HTML error page": (b"<html><body>503 Service Unavailable</body></html>\n", ["missing"]),
    "semicolon separated": (csv_bytes(GOOD, sep=";"), ["missing"]),
    "no header": (csv_bytes(GOOD).split(b"\n", 1)[1], ["missing"]),
    "column renamed": (
        csv_bytes(
            [{"id": r["id"], "date": r["event_date"], "real_user_score": "7"} for r in GOOD],
            ["id", "date", "real_user_score"],
        ),
        ["event_date", "missing"],
    ),
}


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        case if hasattr(case, "marks") else pytest.param(*case, id=name)
        for name, case in FILE_CASES.items()
    ],
)
def test_unreadable_or_misshapen_deliveries_fail_naming_file_and_rule(content, fragments, tmp_path):
    with pytest.raises(Exception) as caught:
        select(tmp_path, content)
    message = str(caught.value)
    assert f"dt={RUN_DATE}" in message  # which delivery
    for fragment in fragments:
        assert fragment in message, message


ROW_CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "null id": ({"id": ""}, "id: not_nullable"),
    "score text": ({"real_user_score": "tbd"}, "real_user_score: number_in_range(0,10)"),
    "score negative": ({"real_user_score": "-1"}, "real_user_score: number_in_range(0,10)"),
    "score above 10": ({"real_user_score": "85"}, "real_user_score: number_in_range(0,10)"),
    "score missing": ({"real_user_score": ""}, "real_user_score"),
    "impossible date": ({"event_date": "2024-02-30"}, "event_date: iso_date"),
    # Passed the 10-character check, then crashed monitoring naming neither file nor column.
    "date with a time": ({"event_date": "2024-03-09 12:30:00"}, "event_date: iso_date"),
    "date with trailing text": ({"event_date": "2024-03-09 (corrected)"}, "event_date: iso_date"),
    "date after its delivery day": ({"event_date": "2024-03-11"}, "event_date: not_after_delivery"),
    "other date format": ({"event_date": "Mar 9, 2024"}, "event_date: iso_date"),
    "1 MB id": ({"id": "x" * 1_000_000}, None),
    # pandas' NA markers are ids like any other (they used to be quarantined as missing)
    "id NA": ({"id": "NA"}, None),
    "id null": ({"id": "null"}, None),
    "id None": ({"id": "None"}, None),
    "id nan": ({"id": "nan"}, None),
    "id N/A": ({"id": "N/A"}, None),
    # written into monitoring_matched_labels.csv, opened in spreadsheets
    "formula id": ({"id": "=HYPERLINK(1)"}, "id: not_a_formula"),
}


@pytest.mark.parametrize("case", list(ROW_CASES))
def test_bad_label_rows_are_quarantined_with_a_reason(case, tmp_path):
    overrides, reason = ROW_CASES[case]
    rows = [*GOOD, label(id="target", **{})]
    rows[-1].update(overrides)
    labels, quarantined, intake = select(tmp_path, csv_bytes(rows))
    assert_accounted(labels, quarantined, intake)
    if reason is None:
        assert len(labels) == 3
    else:
        assert len(quarantined) == 1
        assert reason in quarantined["reason"].item()


@pytest.mark.parametrize(
    "line", [b"g9,2024-03-09,7.5,surplus\n", b"g9,2024-03-09"], ids=["long", "short"]
)
def test_a_row_with_too_few_or_too_many_fields_is_quarantined(line, tmp_path):
    labels, quarantined, intake = select(tmp_path, csv_bytes(GOOD) + line)
    assert_accounted(labels, quarantined, intake)
    assert labels["id"].tolist() == ["g1", "g2"]
    assert quarantined["reason"].tolist() == ["row: field_count"]


def test_the_latest_delivery_wins_and_a_label_from_the_future_is_refused(tmp_path):
    """A label delivered on 03-05 but dated 03-20 used to beat the 03-09 correction
    (deduplication ordered by event_date before the delivery day)."""
    labels, quarantined, intake = select_deliveries(
        tmp_path,
        {
            "2024-03-05": csv_bytes(
                [
                    label(id="g1", event_date="2024-03-20", real_user_score="9.9"),
                    label(id="g2", event_date="2024-03-05"),
                ]
            ),
            "2024-03-06": csv_bytes([label(id="g3", event_date="2024-03-06", real_user_score="4")]),
            "2024-03-09": csv_bytes(
                [
                    label(id="g1", event_date="2024-03-09", real_user_score="6.0"),
                    # a correction of g3 dated earlier than the first delivery's event
                    label(id="g3", event_date="2024-03-02", real_user_score="5.0"),
                ]
            ),
        },
    )
    assert_accounted(labels, quarantined, intake)
    scores = labels.set_index("id")["real_user_score"].to_dict()
    assert scores == {"g1": 6.0, "g2": 7.5, "g3": 5.0}  # latest delivery, whatever its date
    assert quarantined["reason"].tolist() == ["event_date: not_after_delivery"]
    assert intake["duplicates_removed"] == 1


def test_header_only_duplicates_bom_and_extra_columns(tmp_path):
    labels, quarantined, intake = select(tmp_path / "a", csv_bytes([]))
    assert (len(labels), len(quarantined), intake["rows_in"]) == (0, 0, 0)  # no labels yet

    rows = [*GOOD, label(real_user_score="8.0", event_date="2024-03-10")]  # g1 delivered twice
    content = b"\xef\xbb\xbf" + csv_bytes(
        [{**r, "user_score": "1.0"} for r in rows], [*COLUMNS, "user_score"]
    )
    labels, quarantined, intake = select(tmp_path / "b", content)
    assert_accounted(labels, quarantined, intake)
    assert intake["duplicates_removed"] == 1
    assert labels.set_index("id").loc["g1", "real_user_score"] == 8.0  # the latest delivery


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "id": st.one_of(st.sampled_from(["g1", "g2", "g3", ""]), st.text(max_size=8)),
                "event_date": st.one_of(
                    st.sampled_from(
                        [
                            "2024-03-09",
                            "2024-02-30",
                            "2024-3-9",
                            "",
                            "TBA",
                            "2024-03-09 12:30:00",
                            "2024-03-11",
                        ]
                    ),
                    st.text(max_size=12),
                ),
                "real_user_score": st.one_of(
                    st.sampled_from(["7.5", "10", "0", "-1", "11", "nan", "", "tbd"]),
                    st.text(max_size=6),
                ),
            }
        ),
        max_size=15,
    )
)
def test_any_label_rows_are_accounted_for(rows):
    with tempfile.TemporaryDirectory() as folder:
        labels, quarantined, intake = select(Path(folder), csv_bytes(rows))
        assert_accounted(labels, quarantined, intake)
