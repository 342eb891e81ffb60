"""The hostile daily batches of ``test_hostile_scoring`` through ``scoring_chunked``.

The same file read by ``batch_input_blocks`` (its catalog entry, in small
blocks) and scored block by block must fail with the same clear error, or
write the same files as the ``scoring`` pipeline: predictions and quarantine
byte for byte, the same features and summary. The one allowed difference:
``meta_score: numeric_column`` is a rule over a block's values, so a block
whose values are mostly text stops the day (docs/data_contract.md).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from tests.reliability.test_hostile_scoring import (
    CLEAR_ERRORS,
    COLUMNS,
    FIELD_COUNT_CASES,
    FILE_CASES,
    NA_LIKE,
    PARAMS,
    PROJECT_ROOT,
    ROW_CASES,
    RUN_DATE,
    batches,
    csv_bytes,
    load_batch,
    row,
    score,
)
from user_score.catalog import ContractDataCatalog, ContractViolationError
from user_score.datasets.pandas import CSVDataset, ParquetDataset, SpreadsheetCSVDataset
from user_score.pipelines.scoring_chunked.nodes import (
    find_duplicated_ids,
    score_day_in_chunks,
    summarise_chunked_scoring,
)

ENTRY = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_01_raw.yml").read_text())[
    "batch_input_blocks"
]
#: About four rows of these batches per block.
BLOCK_BYTES = 300
OUTPUTS = ("predictions@csv", "scored_features@parquet", "scoring_quarantine")


def output_datasets(folder: Path) -> dict[str, Any]:
    """The outputs' dataset types of the catalog, in ``folder``."""
    return {
        "predictions@csv": CSVDataset(filepath=str(folder / "predictions.csv")),
        "scored_features@parquet": ParquetDataset(filepath=str(folder / "features.parquet")),
        "scoring_quarantine": SpreadsheetCSVDataset(filepath=str(folder / "quarantine.csv")),
    }


def files(folder: Path) -> dict[str, Any]:
    return {
        "predictions@csv": (folder / "predictions.csv").read_bytes(),
        "scored_features@parquet": pd.read_parquet(folder / "features.parquet"),
        "scoring_quarantine": (folder / "quarantine.csv").read_bytes(),
    }


def both_paths(content: bytes, model: Any, block_bytes: int = BLOCK_BYTES) -> tuple[dict, dict]:
    """``(scoring, scoring_chunked)``: each path's written files and summary for one file."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "input.csv"
        path.write_bytes(content)
        return score_whole(path, model, root / "whole"), score_chunked(
            path, model, root / "chunked", block_bytes
        )


def score_whole(path: Path, model: Any, folder: Path) -> dict[str, Any]:
    """The ``scoring`` pipeline's nodes on ``path``; its outputs saved into ``folder``."""
    whole = score(load_batch(path), model)
    folder.mkdir()
    for name, dataset in output_datasets(folder).items():
        dataset.save(whole[name])
    return {**files(folder), "scoring_summary": whole["scoring_summary"]}


def score_chunked(path: Path, model: Any, folder: Path, block_bytes: int) -> dict[str, Any]:
    """The chunked nodes on ``path``; each output streamed into ``folder`` as the run does."""
    entry = {**ENTRY, "filepath": str(path), "block_bytes": block_bytes}
    day = ContractDataCatalog.from_config({"batch_input_blocks": entry}).load("batch_input_blocks")
    folder.mkdir()
    datasets = output_datasets(folder)
    for dataset in datasets.values():
        dataset.begin_stream()
    try:
        duplicated = find_duplicated_ids(day)
        for chunk in score_day_in_chunks(day, duplicated, model, RUN_DATE, PARAMS):
            for name, frame in zip(OUTPUTS, chunk[:3], strict=True):
                datasets[name].save(frame)
            tally = chunk[3]
    except BaseException:
        for dataset in datasets.values():
            dataset.end_stream(commit=False)
        raise
    for dataset in datasets.values():
        dataset.end_stream(commit=True)
    return {**files(folder), "scoring_summary": summarise_chunked_scoring(tally, RUN_DATE)}


def assert_same(expected: dict[str, Any], chunked: dict[str, Any]) -> None:
    for name in ("predictions@csv", "scoring_quarantine"):
        assert chunked[name] == expected[name], name
    pd.testing.assert_frame_equal(
        chunked["scored_features@parquet"], expected["scored_features@parquet"]
    )
    assert chunked["scoring_summary"] == expected["scoring_summary"]


def padded(rows: list[dict[str, Any]]) -> bytes:
    """``rows`` among 24 valid rows (so each block's meta_scores are mostly numbers)."""
    valid = [row(id=f"v{i}", title=f"Game {i}") for i in range(24)]
    return csv_bytes([*valid[:12], *rows, *valid[12:]])


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_bad_batch_files_fail_with_the_same_clear_error(case, tmp_path, trained_model):
    content, error_type, fragments = FILE_CASES[case]
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(error_type) as caught:
        score_chunked(path, trained_model, tmp_path / "out", BLOCK_BYTES)
    message = str(caught.value)
    assert str(path) in message and "batch_input_blocks" in message
    for fragment in fragments:
        assert fragment in message, message
    assert not list((tmp_path / "out").iterdir())  # nothing written, not even a temporary file


def test_every_bad_row_and_field_count_gives_the_files_of_the_scoring_pipeline(trained_model):
    """Every row case of ``test_hostile_scoring`` in one day, each among valid rows, in
    blocks of a few rows; the bad field counts in the middle and at the end."""
    lines = []
    for i, (overrides, _) in enumerate(ROW_CASES.values()):
        lines.append(row(**{"id": f"target{i}", **overrides}))
        lines += [row(id=f"v{i}-{k}", title=f"Game {i} {k}") for k in range(3)]
    text = csv_bytes(lines).decode().splitlines(keepends=True)
    cases = list(FIELD_COUNT_CASES.values())
    for k, line in enumerate(cases[1:]):  # the truncated last line goes last
        text.insert(20 + 15 * k, line.decode())
    content = "".join(text).encode() + cases[0]
    expected, chunked = both_paths(content, trained_model)
    assert_same(expected, chunked)
    reasons = pd.read_csv(io.BytesIO(chunked["scoring_quarantine"]), dtype=str)["reason"]
    assert (reasons == "row: field_count").sum() == len(cases)
    assert len(reasons) == len(cases) + sum(1 for _, reason in ROW_CASES.values() if reason)


def test_na_like_ids_duplicates_bom_leaks_and_header_only_give_the_same_files(trained_model):
    na_rows = [row(id=token, title=token) for token in NA_LIKE]
    duplicates = [row(id="v3", title="Another game"), row(id="d1"), row(id="d1", title="x")]
    assert_same(*both_paths(padded([*na_rows, *duplicates]), trained_model))
    assert_same(*both_paths(b"\xef\xbb\xbf" + padded(duplicates), trained_model))
    leaked = [{**r, "user_score": "10"} for r in (row(id="a"), row(id="b"))]
    assert_same(*both_paths(csv_bytes(leaked, [*COLUMNS, "user_score"]), trained_model))
    assert_same(*both_paths(csv_bytes([]), trained_model))  # a valid empty day


def test_a_ten_point_day_is_flagged_across_blocks(trained_model):
    rows = [row(id=f"s{i}", meta_score=score) for i, score in enumerate(["8.5", "7", "9.1"] * 6)]
    expected, chunked = both_paths(csv_bytes(rows), trained_model, block_bytes=200)
    assert_same(expected, chunked)
    assert chunked["scoring_summary"]["meta_score_scale_suspect"] is True


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=batches())
def test_any_batch_gives_the_same_files_or_the_same_refusal(rows, trained_model):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        path.write_bytes(padded(rows))
        try:
            expected = score_whole(path, trained_model, Path(folder) / "whole")
        except CLEAR_ERRORS as error:
            with pytest.raises(type(error)):  # refused too
                score_chunked(path, trained_model, Path(folder) / "chunked", 600)
            return
        try:
            chunked = score_chunked(path, trained_model, Path(folder) / "chunked", 600)
        except ContractViolationError as error:  # the one rule checked per block
            assert "numeric_column" in str(error) and str(path) in str(error)
            return
    assert_same(expected, chunked)


def test_blocks_without_values_in_a_column_give_the_same_features_file(trained_model):
    """The first blocks score no row: their Parquet columns have no type yet (null); the
    file takes the types of the first block that has them."""
    rows = [row(id=f"bad{i}", meta_score="-1") for i in range(6)]
    rows += [row(id=f"untitled{i}", title="") for i in range(6)]
    rows += [row(id=f"v{i}", title=f"Game {i}") for i in range(12)]
    expected, chunked = both_paths(csv_bytes(rows), trained_model, block_bytes=150)
    assert_same(expected, chunked)
    assert len(chunked["scored_features@parquet"]) == 18
