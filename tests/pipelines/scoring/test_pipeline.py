"""scoring through real Kedro sessions: file-level failures, idempotent reruns, the default run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import data_files, project_catalog
from tests.pipelines.scoring.conftest import batch_frame, batch_row
from user_score.catalog import ContractViolationError, DatasetReadError

DAY = "2021-03-01"


def day_file(project: Path, folder: str, name: str, day: str = DAY) -> Path:
    return project / "data" / "prod" / folder / f"dt={day}" / name


def day_outputs(project: Path, day: str = DAY) -> dict[str, Path]:
    """The four files a scoring path writes for ``day`` (predictions, features, quarantine,
    summary)."""
    reports = project / "data" / "08_reporting" / "scoring" / f"dt={day}"
    return {
        "predictions": day_file(project, "predictions", "predictions.csv", day),
        "features": day_file(project, "features", "features.parquet", day),
        "quarantine": reports / "scoring_quarantine.csv",
        "summary": reports / "scoring_summary.json",
    }


def scoring_day_files(project: Path, model, kedro_run, day: str) -> tuple[dict, dict]:
    """A simulated day scored by ``kedro run --pipelines scoring`` in ``project``:
    ``(outputs, default)``, the day's output paths (removed again, for another path to
    write) and the bytes ``scoring`` wrote there."""
    save_model(project, model)
    kedro_run(project, pipeline_name="simulation", runtime_params={"run_date": day})
    outputs = day_outputs(project, day)
    kedro_run(project, pipeline_name="scoring", runtime_params={"run_date": day})
    default = {name: path.read_bytes() for name, path in outputs.items()}
    for path in outputs.values():
        path.unlink()
    return outputs, default


def assert_same_outputs(outputs: dict[str, Path], default: dict[str, bytes]) -> None:
    """``outputs`` hold what ``default`` (the ``scoring`` pipeline's bytes) held: predictions
    and quarantine byte for byte, the same summary, features equal as read back."""
    import io
    import json

    for name in ("predictions", "quarantine"):
        assert outputs[name].read_bytes() == default[name], name
    assert json.loads(outputs["summary"].read_bytes()) == json.loads(default["summary"])
    pd.testing.assert_frame_equal(
        pd.read_parquet(outputs["features"]), pd.read_parquet(io.BytesIO(default["features"]))
    )


def save_model(project: Path, model) -> None:
    """Put a model artifact into the project copy through its own catalog."""
    project_catalog(project).save("model", model)


def write_batch(project: Path, batch: pd.DataFrame, day: str = DAY) -> Path:
    path = day_file(project, "input", "input.csv", day)
    path.parent.mkdir(parents=True, exist_ok=True)
    batch.to_csv(path, index=False)
    return path


def assert_no_outputs(project: Path, day: str = DAY) -> None:
    for folder, name in (("predictions", "predictions.csv"), ("features", "features.parquet")):
        assert not day_file(project, folder, name, day).exists()
    # nor the day's quarantine: a run that could not score wrote nothing for the day
    quarantine = project / f"data/08_reporting/scoring/dt={day}/scoring_quarantine.csv"
    assert not quarantine.exists()


@pytest.fixture
def project_with_model(project_copy, demo_model) -> Path:
    save_model(project_copy, demo_model)
    return project_copy


def test_scoring_a_day_and_rerunning_it_replaces_the_outputs(project_with_model, kedro_run):
    project = project_with_model
    kedro_run(project, pipeline_name="simulation", runtime_params={"run_date": DAY})
    kedro_run(project, pipeline_name="scoring", runtime_params={"run_date": DAY})
    predictions_file = day_file(project, "predictions", "predictions.csv")
    first = predictions_file.read_bytes()
    summary_file = project / f"data/08_reporting/scoring/dt={DAY}/scoring_summary.json"
    summary = json.loads(summary_file.read_text())
    batch = pd.read_csv(day_file(project, "input", "input.csv"), dtype=str)
    predictions = pd.read_csv(predictions_file, dtype={"id": str})
    quarantine = pd.read_csv(
        project / f"data/08_reporting/scoring/dt={DAY}/scoring_quarantine.csv", dtype=str
    )
    assert summary["rows_in"] == len(batch) == len(predictions) + len(quarantine)
    assert summary["rows_quarantined"] > 0  # the simulation spoils a few rows
    assert predictions["id"].is_unique and set(predictions["id"]) <= set(batch["id"])
    features = pd.read_parquet(day_file(project, "features", "features.parquet"))
    assert features["id"].tolist() == predictions["id"].tolist()

    kedro_run(project, pipeline_name="scoring", runtime_params={"run_date": DAY})
    assert predictions_file.read_bytes() == first  # replaced by identical content, no append
    for folder in ("predictions", "features"):
        assert len(list((project / "data/prod" / folder / f"dt={DAY}").iterdir())) == 1


@pytest.mark.parametrize(
    ("runtime_params", "named"),
    [
        # used to score the default day's batch into its folder with 2021-03-05 inside
        ({"scoring": {"run_date": "2021-03-05"}}, ["scoring", "run_date", "Extra inputs"]),
        ({"run_date": "2021-02-30"}, ["run_date", "real calendar day", "2021-02-30"]),
        ({"run_date": "21-3-1"}, ["run_date", "YYYY-MM-DD", "21-3-1"]),
        ({"run_date": 20210301}, ["run_date", "YYYY-MM-DD"]),
        ({"scoring": {"chunk_size": "abc"}}, ["scoring", "chunk_size"]),
        ({"scoring": {"chunk_size": 0}}, ["scoring", "chunk_size"]),
    ],
    ids=["scoring.run_date", "impossible day", "short form", "number", "chunk_size text", "zero"],
)
def test_a_wrong_parameter_is_refused_naming_it_and_nothing_is_written(
    project_with_model, kedro_run, runtime_params, named
):
    write_batch(project_with_model, batch_frame(batch_row()))
    before = data_files(project_with_model)
    with pytest.raises(Exception) as error:
        kedro_run(project_with_model, pipeline_name="scoring", runtime_params=runtime_params)
    for fragment in named:
        assert fragment in str(error.value), str(error.value)
    assert data_files(project_with_model) == before


def test_a_missing_partition_stops_the_run_naming_the_file(project_with_model, kedro_run):
    with pytest.raises(DatasetReadError, match=r"prod/input/dt=2021-03-02/input\.csv"):
        kedro_run(
            project_with_model, pipeline_name="scoring", runtime_params={"run_date": "2021-03-02"}
        )
    assert_no_outputs(project_with_model, "2021-03-02")


def test_a_missing_required_column_stops_the_run(project_with_model, kedro_run):
    write_batch(project_with_model, batch_frame(batch_row()).drop(columns=["platform"]))
    with pytest.raises(ContractViolationError) as error:
        kedro_run(project_with_model, pipeline_name="scoring")
    message = str(error.value)
    assert "input.csv" in message and "platform" in message
    assert "required column is missing" in message
    assert_no_outputs(project_with_model)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff\xfe binary \x00"])
def test_an_unreadable_file_stops_the_run(project_with_model, kedro_run, content):
    path = write_batch(project_with_model, batch_frame(batch_row()))
    path.write_bytes(content)
    with pytest.raises((DatasetReadError, ContractViolationError), match=r"input\.csv"):
        kedro_run(project_with_model, pipeline_name="scoring")
    assert_no_outputs(project_with_model)


def test_a_missing_model_stops_the_run_and_writes_no_predictions(project_copy, kedro_run):
    write_batch(project_copy, batch_frame(batch_row(), batch_row(id="bad", meta_score="150")))
    shutil.rmtree(project_copy / "data" / "06_models", ignore_errors=True)
    with pytest.raises(DatasetReadError, match=r"model\.pkl"):
        kedro_run(project_copy, pipeline_name="scoring")
    assert_no_outputs(project_copy)
    assert not (project_copy / f"data/08_reporting/scoring/dt={DAY}").exists()


def test_another_valid_pickle_is_refused_as_not_a_model(project_copy, kedro_run):
    """A pickle of something else, saved with a matching checksum, used to fail deep in
    predict_batch with "AttributeError: 'dict' object has no attribute 'model_version'"."""
    save_model(project_copy, {"model_version": "not a model"})
    write_batch(project_copy, batch_frame(batch_row(), batch_row(id="bad", meta_score="150")))
    with pytest.raises(TypeError, match=r"'model' .* a dict, not a UserScoreModel"):
        kedro_run(project_copy, pipeline_name="scoring")
    assert_no_outputs(project_copy)


@pytest.mark.slow
def test_default_run_covers_the_whole_loop_offline(demo_run_project):
    """data_engineering -> training -> simulation -> scoring -> monitoring, in that order.

    Reads the suite's one finished default run (``kedro run`` in a project copy);
    other tests may add days to it, so the 14 simulated days are checked by name.
    """
    project = demo_run_project
    predictions = pd.read_csv(day_file(project, "predictions", "predictions.csv"))
    assert len(predictions) > 100
    days = {path.name for path in (project / "data/prod/input").iterdir()}
    expected = pd.date_range(end=DAY, periods=14).strftime("dt=%Y-%m-%d")
    assert set(expected) <= days
    status = project / f"data/08_reporting/monitoring/dt={DAY}/monitoring_status.json"
    assert json.loads(status.read_text())["rows"]  # monitoring saw the day's predictions
