"""data_engineering as a whole: in-memory catalog and real Kedro sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from tests.conftest import data_files, quality_datasets
from tests.pipelines.data_engineering.test_nodes import raw_frame, raw_row
from user_score.catalog import ContractViolationError, DatasetReadError
from user_score.contracts import RAW_COLUMNS
from user_score.pipelines.data_engineering import create_pipeline


def test_pipeline_runs_on_an_in_memory_catalog():
    raw = raw_frame(
        raw_row(),
        raw_row(title="Sky Fox", link="/game/ds/sky-fox", meta_score="-3"),
        raw_row(title="Moon", link="/game/wii/moon", date="TBA 2011"),
    )
    catalog = DataCatalog({"raw_games": MemoryDataset(raw), **quality_datasets()})
    SequentialRunner().run(create_pipeline(), catalog)
    summary = catalog.load("data_engineering_summary")
    assert (summary["rows_in"], summary["rows_clean"], summary["rows_quarantined"]) == (3, 2, 1)
    table = catalog.load("model_input_table")
    assert set(table["title"]) == {"Star Quest", "Moon"}
    assert table.set_index("title").loc["Moon", "release_year"] == 2011


def test_default_run_on_the_embedded_demo_catalog(project_copy, kedro_run):
    kedro_run(project_copy, pipeline_name="data_engineering")
    summary = json.loads(
        (project_copy / "data/08_reporting/data_engineering_summary.json").read_text()
    )
    assert summary["invariant_holds"]
    assert summary["rows_in"] == len(pd.read_csv(project_copy / "data/01_raw/games_catalog.csv"))
    table = pd.read_parquet(project_copy / "data/05_model_input/model_input_table.parquet")
    assert table["is_labelled"].sum() > 1000


@pytest.mark.real_data
def test_real_file_runs_with_every_row_accounted_for(project_copy, kedro_run, real_data_path):
    kedro_run(
        project_copy,
        pipeline_name="data_engineering",
        runtime_params={"raw_games_path": str(real_data_path)},
    )
    summary = json.loads(
        (project_copy / "data/08_reporting/data_engineering_summary.json").read_text()
    )
    assert summary["rows_in"] == 1026
    assert (
        summary["rows_clean"] + summary["rows_quarantined"] + summary["duplicates_removed"] == 1026
    )
    games = pd.read_parquet(project_copy / "data/03_primary/games_clean.parquet")
    quarantine = pd.read_csv(project_copy / "data/02_intermediate/games_quarantine.csv")
    # The two broken platform values are repaired (from the link) or quarantined with a reason.
    broken = pd.read_csv(real_data_path).query("platform in ['TG16)', 'working title)']")
    for link in broken["link"]:
        in_clean = games.loc[games["link"] == link]
        in_quarantine = quarantine.loc[quarantine["link"] == link]
        assert len(in_clean) + len(in_quarantine) == 1
        if len(in_clean):
            assert in_clean["platform"].item() in {"WII", "DS"}
            assert bool(in_clean["platform_repaired"].item())
        else:
            assert in_quarantine["reason"].item()
    assert set(games["platform"]) <= {
        "3DS",
        "DS",
        "WII",
        "WIIU",
        "SWITCH",
        "GBA",
        "GC",
        "N64",
        "IOS",
    }
    assert games["user_score"].notna().sum() == 777  # no labelled game is lost


def _write_bad_inputs(folder: Path) -> dict[str, tuple[Path, type[Exception], list[str]]]:
    """Bad raw files, the error type each must raise, and what its message must name."""
    good = raw_frame(raw_row(), raw_row(title="Moon", link="/game/wii/moon"))
    cases: dict[str, tuple[Path, type[Exception], list[str]]] = {}

    missing = folder / "missing_column.csv"
    good.drop(columns="genres").to_csv(missing, index=False)
    cases["missing column"] = (missing, ContractViolationError, ["genres", "required column"])

    text_meta = folder / "text_meta_score.csv"
    good.assign(meta_score="great").to_csv(text_meta, index=False)
    cases["non-numeric meta_score"] = (
        text_meta,
        ContractViolationError,
        ["meta_score", "numeric_column"],
    )

    empty = folder / "empty.csv"
    empty.write_text("")
    cases["empty file"] = (empty, DatasetReadError, ["No columns to parse"])

    header_only = folder / "header_only.csv"
    header_only.write_text(",".join(RAW_COLUMNS) + "\n")
    cases["header only"] = (header_only, ContractViolationError, ["not_empty"])

    binary = folder / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    cases["not CSV (binary)"] = (binary, DatasetReadError, ["codec"])

    html = folder / "error_page.csv"
    html.write_text("<html><body><h1>502 Bad Gateway</h1></body></html>\n")
    cases["not CSV (HTML)"] = (html, ContractViolationError, ["meta_score", "required column"])
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "missing column",
        "non-numeric meta_score",
        "empty file",
        "header only",
        "not CSV (binary)",
        "not CSV (HTML)",
    ],
)
def test_bad_input_fails_with_one_clear_error_and_writes_nothing(
    case, project_copy, kedro_run, tmp_path
):
    path, error_type, must_mention = _write_bad_inputs(tmp_path)[case]
    with pytest.raises(error_type) as caught:
        kedro_run(
            project_copy,
            pipeline_name="data_engineering",
            runtime_params={"raw_games_path": str(path)},
        )
    message = str(caught.value)
    assert str(path) in message, message  # the file
    assert "raw_games" in message, message  # the dataset
    for fragment in must_mention:  # the column and the rule
        assert fragment in message, message
    assert data_files(project_copy) == []  # nothing downstream was written
