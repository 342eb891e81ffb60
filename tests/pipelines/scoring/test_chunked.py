"""The chunked path (``scoring_chunked``): the ``scoring`` pipeline's outputs, block by block.

The day is read in small blocks so that it spans many of them and its
duplicated ids, spoiled rows, rows with a wrong field count and a title with
a line break fall in different ones.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from tests.pipelines.scoring.conftest import RUN_DATE
from tests.pipelines.scoring.split_days import (
    LOAD_ARGS,
    SCORING_PARAMS,
    score_default_path,
    write_day,
)
from tests.pipelines.scoring.test_pipeline import assert_same_outputs, scoring_day_files
from user_score.datasets.csv_blocks import CSVBlocksDataset
from user_score.datasets.pandas import CSVDataset, ParquetDataset, SpreadsheetCSVDataset
from user_score.pipelines.scoring_chunked import create_pipeline
from user_score.pipelines.scoring_chunked.nodes import (
    find_duplicated_ids,
    score_day_in_chunks,
    summarise_chunked_scoring,
)
from user_score.reliability.streams import StreamedSavesHook

BLOCK_BYTES = 20_000  # a 1,200-row day in ~8 blocks


def blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> CSVBlocksDataset:
    return CSVBlocksDataset(
        filepath=str(path),
        load_args=LOAD_ARGS,
        block_bytes=block_bytes,
        contract="user_score.contracts.BatchInput",
    )


def with_multiline_title(path: Path) -> Path:
    """The day with a quoted title holding a line break (a record over two lines)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(
        len(lines) // 2,
        'x-multi,"Part One\nPart Two",Switch,2020-01-01,80,E,"[\'N\']","[\'A\']"\n',
    )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_the_day_in_blocks_gives_the_outputs_of_the_default_path(demo_model, tmp_path):
    path = with_multiline_title(write_day(tmp_path / "input.csv"))
    day = blocks(path).load()
    assert len(list(day)) >= 6
    duplicated = find_duplicated_ids(day)
    # each block's frames are emptied once the next is asked for: copy them as they come
    chunks = [
        (*(frame.copy() for frame in chunk[:3]), chunk[3])
        for chunk in score_day_in_chunks(day, duplicated, demo_model, RUN_DATE, SCORING_PARAMS)
    ]
    assert len(chunks) >= 6
    got = [pd.concat([chunk[i] for chunk in chunks], ignore_index=True) for i in range(3)]
    summary = summarise_chunked_scoring(chunks[-1][3], RUN_DATE)
    expected = score_default_path(path, demo_model)
    for frame, want in zip(got, expected[:3], strict=True):
        pd.testing.assert_frame_equal(frame, want)
    assert summary == expected[3]
    # what makes the day hard to split is really in it
    quarantine = got[2]
    assert (quarantine["reason"] == "id: unique").sum() >= 3
    assert (quarantine["reason"] == "row: field_count").sum() == 2
    assert "x-multi" in set(got[0]["id"])  # the title with a line break was scored
    assert summary["rows_in"] == summary["rows_scored"] + summary["rows_quarantined"] == 1203


def test_duplicated_ids_are_exact_and_found_across_blocks(tmp_path):
    path = write_day(tmp_path / "input.csv")
    whole = pd.concat(list(blocks(path, 10**9).load()))
    counts = whole["id"].dropna().value_counts()
    expected = sorted(counts.index[counts > 1])
    assert len(expected) >= 3
    assert sorted(find_duplicated_ids(blocks(path).load())) == expected


def test_a_day_without_duplicates_reads_the_ids_once(tmp_path):
    path = tmp_path / "input.csv"
    path.write_text("id,title\na,x\nb,y\n", encoding="utf-8")
    day = CSVBlocksDataset(filepath=str(path), load_args=LOAD_ARGS).load()
    reads = []

    class Counted:
        def __iter__(self):
            reads.append(1)
            return iter(day)

    assert list(find_duplicated_ids(Counted())) == []
    assert len(reads) == 1
    path.write_text("id,title\na,x\nb,y\na,z\n", encoding="utf-8")
    assert list(find_duplicated_ids(Counted())) == ["a"]
    assert len(reads) == 3  # the ids behind equal hashes are read again


@pytest.mark.parametrize("block_bytes", [1, 37, 500, 10**7])
def test_blocks_are_the_whole_file_load_in_file_order(tmp_path, block_bytes):
    from user_score.datasets import FieldCountCSVDataset

    path = with_multiline_title(write_day(tmp_path / "input.csv", rows=300))
    whole = FieldCountCSVDataset(filepath=str(path), load_args=LOAD_ARGS).load()
    dataset = CSVBlocksDataset(filepath=str(path), load_args=LOAD_ARGS, block_bytes=block_bytes)
    parts = list(dataset.load())
    read = pd.concat(parts)
    assert list(read.index) == list(range(len(whole)))  # each row's place in the file
    pd.testing.assert_frame_equal(read.reset_index(drop=True), whole)


def test_stray_quotes_in_unquoted_fields_are_read_as_the_whole_file(tmp_path):
    """A quote inside an unquoted field misleads the quote count; the block is read on."""
    from user_score.datasets import FieldCountCSVDataset

    rows = [
        f'a{i},"T\n{i}",S,2020-01-01,80,E,,\n' if i % 3 else f'b{i},ab"c{i},S,2020-01-01,80,E,,\n'
        for i in range(120)
    ]
    path = tmp_path / "input.csv"
    path.write_text(
        "id,title,platform,date,meta_score,esrb_rating,developers,genres\n" + "".join(rows)
    )
    whole = FieldCountCSVDataset(filepath=str(path), load_args=LOAD_ARGS).load()
    for block_bytes in (1, 50, 700):
        read = pd.concat(
            list(
                CSVBlocksDataset(
                    filepath=str(path), load_args=LOAD_ARGS, block_bytes=block_bytes
                ).load()
            )
        )
        pd.testing.assert_frame_equal(read.reset_index(drop=True), whole)


def test_a_header_only_day_is_one_empty_block_and_an_empty_file_fails(tmp_path):
    path = tmp_path / "input.csv"
    path.write_text("id,title,platform,date,meta_score,esrb_rating,developers,genres")
    parts = list(blocks(path).load())
    assert len(parts) == 1 and parts[0].empty and "meta_score" in parts[0]
    path.write_text("")
    with pytest.raises(Exception, match="No columns to parse"):
        list(blocks(path).load())


def test_a_file_ending_inside_a_quote_fails_naming_the_file(tmp_path):
    path = write_day(tmp_path / "input.csv", rows=200)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('z-1,"never closed,Switch,2020-01-01,80,E,,\n')
    with pytest.raises(Exception, match="EOF inside string") as error:
        list(blocks(path, 2_000).load())
    assert str(path) in str(error.value)


def test_a_block_breaking_the_file_contract_names_the_file_and_column(tmp_path):
    path = tmp_path / "input.csv"
    path.write_text(
        "id,title,platform,date,meta_score,esrb_rating,developers,genres\n"
        + "".join(f"i{i},T,S,2020-01-01,high,E,,\n" for i in range(50))
    )
    with pytest.raises(Exception, match="meta_score") as error:
        list(blocks(path).load())
    assert str(path) in str(error.value)


def chunked_catalog(tmp_path: Path, path: Path, model) -> DataCatalog:
    """The pipeline's datasets: the day in blocks, the real dataset types for the outputs."""
    out = tmp_path / "out"
    return DataCatalog(
        {
            "batch_input_blocks": blocks(path),
            "model": MemoryDataset(model, copy_mode="assign"),
            "params:run_date": MemoryDataset(RUN_DATE),
            "params:scoring": MemoryDataset(SCORING_PARAMS),
            "scoring_day_tally": MemoryDataset(copy_mode="assign"),
            "predictions@csv": CSVDataset(filepath=str(out / "predictions.csv")),
            "scored_features@parquet": ParquetDataset(filepath=str(out / "features.parquet")),
            "scoring_quarantine": SpreadsheetCSVDataset(filepath=str(out / "quarantine.csv")),
            "scoring_summary": MemoryDataset(),
        }
    )


def pq_row_groups(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).num_row_groups


def run_with_streams(pipeline, catalog) -> None:
    from kedro.framework.hooks.manager import _create_hook_manager

    hooks = _create_hook_manager()
    hooks.register(StreamedSavesHook())
    # as KedroSession.run calls them around the runner
    hooks.hook.before_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    try:
        SequentialRunner().run(pipeline, catalog, hooks)
    except Exception as error:
        hooks.hook.on_pipeline_error(error=error, run_params={}, pipeline=pipeline, catalog=catalog)
        raise
    hooks.hook.after_pipeline_run(run_params={}, run_result={}, pipeline=pipeline, catalog=catalog)


def test_the_pipeline_writes_each_output_as_one_file(demo_model, tmp_path):
    path = write_day(tmp_path / "input.csv")
    catalog = chunked_catalog(tmp_path, path, demo_model)
    run_with_streams(create_pipeline(), catalog)
    predictions, features, quarantine, summary = score_default_path(path, demo_model)
    out = tmp_path / "out"
    expected_csv = io.StringIO()
    predictions.to_csv(expected_csv, index=False)
    assert (out / "predictions.csv").read_text() == expected_csv.getvalue()
    whole = ParquetDataset(filepath=str(tmp_path / "whole.parquet"))
    whole.save(features)  # the file the scoring pipeline writes
    pd.testing.assert_frame_equal(pd.read_parquet(out / "features.parquet"), whole.load())
    assert pq_row_groups(out / "features.parquet") >= 6  # a row group per block
    read = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert len(read) == len(quarantine) and list(read["id"]) == list(quarantine["id"].fillna(""))
    assert catalog.load("scoring_summary") == summary


def test_a_failing_block_leaves_the_previous_files(demo_model, tmp_path):
    """Blocks already written are abandoned with the run: yesterday's files stay as they were."""
    path = write_day(tmp_path / "input.csv")
    with path.open("a", encoding="utf-8") as handle:  # the last block fails its contract
        handle.write("".join(f"z{i},T,S,2020-01-01,high,E,,\n" for i in range(400)))
    out = tmp_path / "out"
    out.mkdir()
    (out / "predictions.csv").write_text("previous\n")
    catalog = chunked_catalog(tmp_path, path, demo_model)
    catalog["batch_input_blocks"] = blocks(path)
    # the ids pass reads every block first: skip it so that the failure comes mid-stream
    catalog["scoring_duplicated_ids"] = MemoryDataset(pd.Index([], dtype=object))
    pipeline = create_pipeline().only_nodes("score_day_in_chunks", "summarise_chunked_scoring")
    with pytest.raises(Exception, match="meta_score"):
        run_with_streams(pipeline, catalog)
    assert (out / "predictions.csv").read_text() == "previous\n"
    assert not (out / "features.parquet").exists() and not (out / "quarantine.csv").exists()
    assert sorted(p.name for p in out.iterdir()) == ["predictions.csv"]  # no temporary files


def test_a_generator_node_into_a_dataset_that_cannot_append_is_refused(tmp_path):
    from kedro.pipeline import Node, Pipeline

    from user_score.datasets.json import JSONDataset

    def chunks(x):
        yield from ({"n": i} for i in range(3))

    catalog = DataCatalog(
        {"x": MemoryDataset(1), "out": JSONDataset(filepath=str(tmp_path / "out.json"))}
    )
    with pytest.raises(Exception, match="cannot append"):
        run_with_streams(Pipeline([Node(chunks, "x", "out", name="chunks")]), catalog)
    assert not (tmp_path / "out.json").exists()


@pytest.mark.slow
def test_kedro_run_scoring_chunked_writes_the_files_of_the_scoring_pipeline(
    project_copy, demo_model, kedro_run
):
    """``kedro run --pipelines scoring_chunked`` against ``--pipelines scoring``, byte for byte."""
    project, day = project_copy, RUN_DATE.iso
    outputs, default = scoring_day_files(project, demo_model, kedro_run, day)
    # blocks of 4 KiB: the simulated day (~200 rows) spans several
    conf = project / "conf/local/catalog.yml"
    conf.write_text(
        (project / "conf/base/catalog_01_raw.yml")
        .read_text()
        .split("batch_input_blocks:")[1]
        .split("\n\n")[0]
        .replace("8388608", "4096")
        .join(["batch_input_blocks:", "\n"])
    )
    kedro_run(project, pipeline_name="scoring_chunked", runtime_params={"run_date": day})
    assert_same_outputs(outputs, default)
    assert np.all(pd.read_csv(outputs["predictions"])["predicted_user_score"].notna())


def test_saved_blocks_are_not_held_by_kedro_while_the_day_goes_on(demo_model, tmp_path):
    """Kedro's generator plumbing (more_itertools.unzip, itertools.tee) keeps up to 57 yielded
    tuples alive: the node empties each block's frames once they are saved, so at any time
    only the block being saved holds rows (memory flat in the day's rows)."""
    import weakref

    from kedro.framework.hooks import hook_impl

    path = write_day(tmp_path / "input.csv")
    catalog = chunked_catalog(tmp_path, path, demo_model)
    saved: list[weakref.ref] = []
    held: list[int] = []

    class Watch:
        @hook_impl
        def before_dataset_saved(self, dataset_name, data):
            if dataset_name == "predictions@csv":
                rows = [len(frame) for frame in (ref() for ref in saved) if frame is not None]
                held.append(sum(rows))
                saved.append(weakref.ref(data))

    from kedro.framework.hooks.manager import _create_hook_manager

    hooks = _create_hook_manager()
    hooks.register(StreamedSavesHook())
    hooks.register(Watch())
    pipeline = create_pipeline()
    hooks.hook.before_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    SequentialRunner().run(pipeline, catalog, hooks)
    hooks.hook.after_pipeline_run(run_params={}, run_result={}, pipeline=pipeline, catalog=catalog)
    assert len(saved) >= 6
    assert max(held) == 0  # no earlier block's predictions still hold rows
    assert len(pd.read_csv(tmp_path / "out" / "predictions.csv")) > 1000


def test_a_parquet_stream_takes_each_column_type_from_the_first_chunk_that_has_it(tmp_path):
    """Empty chunks and chunks whose column is all missing (no Arrow type yet) are held back
    until a chunk gives the type; the file reads back as the whole frame's save."""
    chunks = [
        pd.DataFrame({"id": pd.Series([], dtype=object), "title": pd.Series([], dtype=object)}),
        pd.DataFrame({"id": ["a", "b"], "title": [None, None]}),
        pd.DataFrame({"id": ["c"], "title": ["Zelda"]}),
        pd.DataFrame({"id": ["d"], "title": [None]}),
    ]
    streamed = assert_streamed_parquet_reads_as_whole(tmp_path, chunks)
    assert streamed["title"].tolist()[2] == "Zelda"


def assert_streamed_parquet_reads_as_whole(tmp_path: Path, chunks: list) -> pd.DataFrame:
    """``chunks`` streamed into one Parquet file read back as their concatenation's save."""
    streamed = ParquetDataset(filepath=str(tmp_path / "streamed.parquet"))
    streamed.begin_stream()
    for chunk in chunks:
        streamed.save(chunk)
    streamed.end_stream(commit=True)
    whole = ParquetDataset(filepath=str(tmp_path / "whole.parquet"))
    whole.save(pd.concat([chunk for chunk in chunks if len(chunk)], ignore_index=True))
    pd.testing.assert_frame_equal(streamed.load(), whole.load())
    return streamed.load()


def test_a_missing_day_names_the_nearest_days_as_scoring_does(tmp_path):
    from user_score.catalog import ContractDataCatalog, MissingPartitionError

    root = tmp_path / "prod" / "input"
    (root / "dt=2021-03-02").mkdir(parents=True)
    (root / "dt=2021-03-02" / "input.csv").write_text("id\n")
    entry = {
        "type": "user_score.datasets.csv_blocks.CSVBlocksDataset",
        "filepath": str(root / "dt=2021-03-01" / "input.csv"),
    }
    catalog = ContractDataCatalog.from_config({"batch_input_blocks": entry})
    with pytest.raises(MissingPartitionError, match="2021-03-02"):
        catalog.load("batch_input_blocks")


def test_blocks_follow_the_configured_quote_character(tmp_path):
    from user_score.datasets import FieldCountCSVDataset

    args = {**LOAD_ARGS, "quotechar": "'"}
    rows = "".join(f"i{i},'Title\n{i}, \"part\"',S\n" for i in range(60))
    path = tmp_path / "input.csv"
    path.write_text("id,title,platform\n" + rows)
    whole = FieldCountCSVDataset(filepath=str(path), load_args=args).load()
    parts = list(CSVBlocksDataset(filepath=str(path), load_args=args, block_bytes=90).load())
    assert len(parts) > 10
    pd.testing.assert_frame_equal(pd.concat(parts).reset_index(drop=True), whole)


def test_a_generator_node_may_keep_an_output_the_catalog_does_not_list(tmp_path):
    """Kedro keeps an unlisted output in memory (the last chunk); a CSV output is one file."""
    from kedro.pipeline import Node, Pipeline

    def chunks(x):
        for i in range(3):
            yield pd.DataFrame({"id": [f"{i}-a", f"{i}-b"]}), {"chunks": i + 1}

    out = tmp_path / "out.csv"
    catalog = DataCatalog({"x": MemoryDataset(1), "rows": CSVDataset(filepath=str(out))})
    pipeline = Pipeline([Node(chunks, "x", ["rows", "count"], name="chunks")])
    run_with_streams(pipeline, catalog)
    assert out.read_text().splitlines() == ["id", "0-a", "0-b", "1-a", "1-b", "2-a", "2-b"]


def test_a_node_reading_a_streamed_file_reads_it_published(tmp_path):
    """Kedro loads a node's inputs before ``before_node_run``: the stream is published when
    the next node's inputs are loaded, so a reader of the same file sees this run's rows."""
    from kedro.pipeline import Node, Pipeline

    out = tmp_path / "out.csv"
    out.write_text("id\nyesterday\n")

    def chunks(x):
        for i in range(3):
            yield pd.DataFrame({"id": [f"{i}-a"]})

    seen = []
    catalog = DataCatalog(
        {
            "x": MemoryDataset(1),
            "rows@csv": CSVDataset(filepath=str(out)),
            "rows@read": CSVDataset(filepath=str(out)),
        }
    )
    pipeline = Pipeline(
        [
            Node(chunks, "x", "rows@csv", name="chunks"),
            Node(lambda rows: seen.extend(rows["id"]) or len(rows), "rows@read", "n", name="read"),
        ]
    )
    run_with_streams(pipeline, catalog)
    assert seen == ["0-a", "1-a", "2-a"]


def test_an_interrupted_run_leaves_its_streams_unpublished_by_the_next_run(tmp_path):
    """Ctrl-C (no Exception: Kedro calls no error hook) mid-stream: the next run of the same
    process abandons the open streams instead of publishing the half-written file."""
    from kedro.framework.hooks.manager import _create_hook_manager
    from kedro.pipeline import Node, Pipeline

    out = tmp_path / "out.csv"
    out.write_text("id\nyesterday\n")

    def interrupted(x):
        yield pd.DataFrame({"id": ["half"]})
        raise KeyboardInterrupt

    hook = StreamedSavesHook()
    hooks = _create_hook_manager()
    hooks.register(hook)
    catalog = DataCatalog({"x": MemoryDataset(1), "rows": CSVDataset(filepath=str(out))})
    pipeline = Pipeline([Node(interrupted, "x", "rows", name="interrupted")])
    hooks.hook.before_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    with pytest.raises(KeyboardInterrupt):
        SequentialRunner().run(pipeline, catalog, hooks)
    other = Pipeline([Node(lambda x: x, "x", "y", name="other")])
    hooks.hook.before_pipeline_run(run_params={}, pipeline=other, catalog=catalog)
    SequentialRunner().run(other, catalog, hooks)
    hooks.hook.after_pipeline_run(run_params={}, run_result={}, pipeline=other, catalog=catalog)
    assert out.read_text() == "id\nyesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_parquet_stream_holds_chunks_whose_lists_are_all_empty(tmp_path):
    """A block whose lists are all empty has the Arrow type list<null>: held back until a
    block gives the lists their type, like an empty column."""
    chunks = [
        pd.DataFrame({"id": ["a", "b"], "genres": [[], []]}),
        pd.DataFrame({"id": ["c"], "genres": [["Action"]]}),
    ]
    assert_streamed_parquet_reads_as_whole(tmp_path, chunks)


def test_a_column_untyped_for_too_long_fails_the_stream_naming_it(tmp_path):
    from kedro.io.core import DatasetError

    from user_score.datasets.pandas import _ParquetStream

    streamed = ParquetDataset(filepath=str(tmp_path / "streamed.parquet"))
    streamed.begin_stream()
    for i in range(_ParquetStream.HOLD):
        streamed.save(pd.DataFrame({"id": [f"{i}"], "esrb": [None]}))
    with pytest.raises(DatasetError, match=r"\['esrb'\] had no value"):
        streamed.save(pd.DataFrame({"id": ["late"], "esrb": ["E"]}))
    streamed.end_stream(commit=False)
    assert not (tmp_path / "streamed.parquet").exists()


def test_a_stray_quote_does_not_make_the_rest_of_the_file_one_block(tmp_path):
    from user_score.datasets import FieldCountCSVDataset

    rows = [f"i{i},Game {i},S\n" for i in range(3000)]
    rows[5] = 'i5,27" monitor,S\n'  # a quote in an unquoted field: pandas reads it as text
    path = tmp_path / "input.csv"
    path.write_text("id,title,platform\n" + "".join(rows))
    parts = list(CSVBlocksDataset(filepath=str(path), load_args=LOAD_ARGS, block_bytes=2000).load())
    assert len(parts) > 10 and max(len(part) for part in parts) < 400
    whole = FieldCountCSVDataset(filepath=str(path), load_args=LOAD_ARGS).load()
    pd.testing.assert_frame_equal(pd.concat(parts).reset_index(drop=True), whole)


def test_a_quote_never_closed_fails_naming_the_file(tmp_path):
    rows = [f"i{i},Game {i},S\n" for i in range(3000)]
    rows[5] = 'i5,"never closed,S\n'
    path = tmp_path / "input.csv"
    path.write_text("id,title,platform\n" + "".join(rows))
    with pytest.raises(Exception, match="EOF inside string") as error:
        list(CSVBlocksDataset(filepath=str(path), load_args=LOAD_ARGS, block_bytes=200).load())
    assert str(path) in str(error.value)


def test_a_bom_and_blank_lines_before_the_header_are_read_as_the_whole_file(tmp_path):
    from user_score.datasets import FieldCountCSVDataset

    path = tmp_path / "input.csv"
    path.write_bytes(b"\xef\xbb\xbf\n\nid,title\n" + b"".join(b"i%d,T\n" % i for i in range(20)))
    whole = FieldCountCSVDataset(filepath=str(path), load_args=LOAD_ARGS).load()
    parts = list(CSVBlocksDataset(filepath=str(path), load_args=LOAD_ARGS, block_bytes=30).load())
    pd.testing.assert_frame_equal(pd.concat(parts).reset_index(drop=True), whole)
