"""The ``s3`` environment end to end against a real S3 server (SeaweedFS, see conftest).

One default-pipeline run (module fixture) proves that every dataset of every
registered pipeline lives under the S3 root and nothing is written locally;
the other tests reuse its bucket prefix or start their own.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import kedro_child_env, kedro_cli, project_catalog, run_session
from tests.s3.conftest import DefaultRun, S3Run, isolated_aws_env, make_s3_run, project_files
from tools.local_s3 import LocalS3
from user_score.catalog import ContractDataCatalog
from user_score.reliability import storage
from user_score.reliability.storage import StorageAccessError, dataset_location

pytestmark = pytest.mark.s3

SUBPROCESS_TIMEOUT_S = 300  # a guard against hangs, not a speed requirement
#: A simulated day (the simulation writes the 14 days up to the default run_date)
#: that the default run does not score.
PARTITION_DATE = "2021-02-25"
HISTORY = "08_reporting/monitoring/monitoring_history.csv"


def persisted_datasets(project: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """``{dataset: location}`` of every dataset of every registered pipeline, and the pipelines."""
    from kedro.framework.project import pipelines

    catalog = project_catalog(project, "s3")
    registered = dict(pipelines)
    names = set().union(*(p.datasets() for p in registered.values()))
    locations = {}
    for name in sorted(names):
        if name.startswith("params:") or name == "parameters" or name not in catalog:
            continue
        location = dataset_location(catalog[name])
        if location:
            locations[name] = location
    return locations, registered


def run_cli(s3: S3Run, *args: str, env: dict[str, str] | None = None):
    environment = kedro_child_env({**s3.env, **(env or {})})
    return kedro_cli(
        s3.project, "--env", "s3", *args, env=environment, timeout=SUBPROCESS_TIMEOUT_S
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- the full loop


@pytest.fixture(scope="module")
def default_run(s3_default_run: DefaultRun) -> Iterator[dict]:
    """The session's default ``--env s3`` run, with its environment set for this module."""
    s3 = s3_default_run.s3
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolated_aws_env(monkeypatch, s3.project.parent)
        for name, value in s3.env.items():
            monkeypatch.setenv(name, value)
        locations, registered = persisted_datasets(s3.project)
        yield {
            "s3": s3,
            "new_local_files": s3_default_run.new_local_files,
            "files_before": s3_default_run.files_before,
            "objects": s3_default_run.objects,
            "locations": locations,
            "pipelines": registered,
            "monkeypatch": monkeypatch,
        }


def test_every_dataset_of_every_pipeline_is_under_the_s3_root(default_run):
    s3: S3Run = default_run["s3"]
    outside = {
        name: location
        for name, location in default_run["locations"].items()
        if not location.startswith(s3.root + "/")
    }
    assert default_run["locations"], "no persisted dataset found"
    assert outside == {}, f"datasets not under {s3.root}: {outside}"


def test_default_pipeline_writes_every_output_to_s3_and_nothing_locally(default_run):
    s3: S3Run = default_run["s3"]
    default = default_run["pipelines"]["__default__"]
    objects = default_run["objects"]
    missing = []
    for name in sorted(default.all_outputs()):
        location = default_run["locations"].get(name)
        if location is None:  # a MemoryDataset hand-off
            continue
        key = location[len(s3.root) + 1 :]
        # a file, or a folder (partitions, versioned datasets: <path>/<version>/<file>)
        if key not in objects and not any(k.startswith(key + "/") for k in objects):
            missing.append(f"{name} ({location})")
    assert missing == [], f"outputs without an S3 object: {missing}; objects: {sorted(objects)}"
    assert default_run["new_local_files"] == []
    # the run really read its input from the bucket, and wrote real content
    assert objects["01_raw/games_catalog.csv"] > 100_000
    assert objects["05_model_input/model_input_table.parquet"] > 10_000


def test_outputs_on_s3_are_readable_and_consistent(default_run):
    s3: S3Run = default_run["s3"]
    options = {
        "key": s3.server.access_key,
        "secret": s3.server.secret_key,
        "client_kwargs": {"endpoint_url": s3.server.endpoint_url},
    }
    summary = pd.read_json(
        f"{s3.root}/08_reporting/data_engineering_summary.json",
        typ="series",
        storage_options=options,
    )
    clean = pd.read_parquet(f"{s3.root}/03_primary/games_clean.parquet", storage_options=options)
    assert summary["rows_clean"] == len(clean)
    assert summary["rows_in"] == (
        summary["rows_clean"] + summary["rows_quarantined"] + summary["duplicates_removed"]
    )


def test_scoring_and_monitoring_for_one_partition_rerun_is_idempotent(default_run):
    """A day the default run did not score: scored and monitored on S3, then run again."""
    registered = default_run["pipelines"]
    needed = ["scoring", "monitoring"]
    assert set(needed) <= set(registered), sorted(registered)
    s3: S3Run = default_run["s3"]
    partition = f"dt={PARTITION_DATE}"
    assert not any(partition in key and "predictions" in key for key in default_run["objects"])
    client = s3.server.client()

    def read(key: str) -> bytes:
        return client.get_object(Bucket=s3.server.bucket, Key=f"{s3.prefix}/{key}")["Body"].read()

    def run_partition() -> dict[str, bytes]:
        for name in needed:
            run_session(
                s3.project, pipeline_name=name, env="s3",
                runtime_params={"run_date": PARTITION_DATE},
            )  # fmt: skip
        return {key: read(key) for key in s3.objects() if partition in key}

    first = run_partition()
    history_first = pd.read_csv(io.BytesIO(read(HISTORY)), dtype={"run_date": str})
    second = run_partition()
    history_second = pd.read_csv(io.BytesIO(read(HISTORY)), dtype={"run_date": str})

    predictions = [key for key in first if key.startswith("prod/predictions/")]
    assert predictions, sorted(first)
    assert any(key.startswith("08_reporting/monitoring/") for key in first), sorted(first)
    assert sorted(second) == sorted(first)  # the same objects, nothing added beside them
    for key in predictions:
        assert second[key] == first[key], key  # replaced by the same rows, not appended
    assert (history_first["run_date"] == PARTITION_DATE).sum() == 1
    assert (history_second["run_date"] == PARTITION_DATE).sum() == 1  # upserted, not appended
    assert len(history_second) == len(history_first)
    assert default_run["new_local_files"] == []
    assert project_files(s3.project) == default_run["files_before"]  # still nothing local


# ---------------------------------------------------------------- the CLI path


def test_cli_kedro_run_env_s3(s3_run: S3Run):
    s3_run.upload_demo_raw()
    result = run_cli(s3_run, "--pipelines", "data_engineering")
    assert result.returncode == 0, result.stderr[-3000:]
    objects = s3_run.objects()
    assert {
        "02_intermediate/games_quarantine.csv",
        "03_primary/games_clean.parquet",
        "05_model_input/model_input_table.parquet",
        "08_reporting/data_engineering_summary.json",
    } <= set(objects)
    assert s3_run.server.secret_key not in result.stdout + result.stderr


def test_wrong_secret_key_fails_clearly_before_any_output(s3_run: S3Run):
    s3_run.upload_demo_raw()
    wrong = "wrong-secret-" + "x" * 24
    result = run_cli(s3_run, env={"AWS_SECRET_ACCESS_KEY": wrong})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "S3 authentication failed" in output, output[-3000:]
    assert s3_run.server.endpoint_url in output
    assert f"bucket '{s3_run.server.bucket}'" in output
    assert "SignatureDoesNotMatch" in output
    assert wrong not in output and s3_run.server.secret_key not in output
    assert set(s3_run.objects()) == {"01_raw/games_catalog.csv"}  # no partial outputs


def test_unreachable_endpoint_fails_clearly_not_a_hang(s3_run: S3Run):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    result = run_cli(s3_run, env={"AWS_ENDPOINT_URL_S3": endpoint})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "S3 endpoint unreachable" in output, output[-3000:]
    assert endpoint in output
    assert f"bucket '{s3_run.server.bucket}'" in output


# ---------------------------------------------------------------- credentials and errors


@pytest.mark.parametrize("conf_env", ["local", "s3"])
def test_credentials_yml_instead_of_environment_variables(
    s3_server: LocalS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, conf_env
):
    s3 = make_s3_run(s3_server, monkeypatch, tmp_path)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name)
    (s3.project / "conf" / conf_env / "credentials.yml").write_text(
        "s3:\n"
        f"  key: {s3_server.access_key}\n"
        f"  secret: {s3_server.secret_key}\n"
        "  client_kwargs:\n"
        f"    endpoint_url: {s3_server.endpoint_url}\n",
        encoding="utf-8",
    )
    s3.upload_demo_raw()
    # Spy on the module's logger (Kedro's logging setup replaces handlers).
    records: list[str] = []
    real_info = storage.logger.info

    def spy(message: str, *args: Any, **kwargs: Any) -> None:
        records.append(message % args)
        real_info(message, *args, **kwargs)

    monkeypatch.setattr(storage.logger, "info", spy)
    run_session(s3.project, pipeline_name="data_engineering", env="s3")
    assert "03_primary/games_clean.parquet" in s3.objects()
    log = "\n".join(records)
    assert "credentials.yml entry 's3'" in log
    assert s3_server.secret_key not in log


def test_catalog_names_endpoint_and_bucket_on_auth_failure(s3_server: LocalS3, tmp_path):
    """Failures after the start-of-run check (e.g. a key without write rights) are clear too."""
    location = f"s3://{s3_server.bucket}/catalog-check/table.csv"
    catalog = ContractDataCatalog.from_config(
        {"table": {"type": "pandas.CSVDataset", "filepath": location, "credentials": "bad"}},
        {
            "bad": {
                "key": s3_server.access_key,
                "secret": "not-the-secret",
                "client_kwargs": {"endpoint_url": s3_server.endpoint_url},
            }
        },
    )
    with pytest.raises(StorageAccessError) as saving:
        catalog.save("table", pd.DataFrame({"a": [1]}))
    with pytest.raises(StorageAccessError) as loading:
        catalog.load("table")
    for error in (saving.value, loading.value):
        message = str(error)
        assert "S3 authentication failed" in message
        assert s3_server.endpoint_url in message
        assert f"bucket '{s3_server.bucket}'" in message
        assert "table" in message
        assert "not-the-secret" not in message
    assert s3_server.list_objects("catalog-check/") == {}


def test_missing_bucket_is_named(s3_server: LocalS3, monkeypatch, tmp_path):
    s3 = make_s3_run(s3_server, monkeypatch, tmp_path)
    monkeypatch.setenv("USER_SCORE_S3_ROOT", "s3://no-such-bucket-here/user_score")
    with pytest.raises(StorageAccessError, match="'no-such-bucket-here' does not exist"):
        run_session(s3.project, pipeline_name="data_engineering", env="s3")
