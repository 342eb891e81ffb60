"""Atomic outputs on S3 (local SeaweedFS): a save failing or killed mid-upload publishes nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
import uuid

import fsspec
import pytest
import s3fs
from kedro_datasets.pickle import PickleDataset as KedroPickleDataset

from tests.s3.conftest import isolated_aws_env, s3_server  # noqa: F401 - fixture
from user_score.datasets.json import JSONDataset
from user_score.datasets.pandas import CSVDataset
from user_score.reliability.atomic_writes import AtomicWrites
from user_score.reliability.storage import clear_s3_instances

pytestmark = pytest.mark.s3


class PickleDataset(AtomicWrites, KedroPickleDataset):
    pass


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle this (injected)")


@pytest.fixture
def s3_prefix(s3_server, monkeypatch, tmp_path):  # noqa: F811 - fixture use
    isolated_aws_env(monkeypatch, tmp_path)
    for name, value in s3_server.aws_env().items():
        monkeypatch.setenv(name, value)
    clear_s3_instances()
    yield f"s3://{s3_server.bucket}/atomic-{uuid.uuid4().hex[:8]}"
    clear_s3_instances()


def _objects(server, prefix: str) -> dict[str, int]:
    bucket_prefix = prefix.split("/", 3)[3] + "/"
    return server.list_objects(bucket_prefix)


def test_a_failed_s3_save_keeps_the_previous_object_and_no_upload(s3_server, s3_prefix):  # noqa: F811
    summary = JSONDataset(filepath=f"{s3_prefix}/summary.json")
    model = PickleDataset(filepath=f"{s3_prefix}/model.pkl")
    table = CSVDataset(filepath=f"{s3_prefix}/predictions.csv")
    summary.save({"rows_in": 3})
    model.save({"v": 1})
    before = _objects(s3_server, s3_prefix)
    assert len(before) == 2

    with pytest.raises(Exception, match="not JSON serializable"):
        summary.save({"rows": list(range(300_000)), "bad": object()})  # > one 5 MiB part
    with pytest.raises(Exception, match="injected"):
        model.save([list(range(100_000)), Unpicklable()])
    with pytest.raises(Exception, match="not JSON serializable"):
        JSONDataset(filepath=f"{s3_prefix}/new.json").save({"a": list(range(10)), "b": object()})

    assert _objects(s3_server, s3_prefix) == before  # nothing partial published, nothing new
    assert summary.load() == {"rows_in": 3}
    assert model.load() == {"v": 1}
    uploads = s3_server.client().list_multipart_uploads(Bucket=s3_server.bucket)
    assert uploads.get("Uploads", []) == []  # aborted, not left behind

    import pandas as pd

    table.save(pd.DataFrame({"id": [1, 2]}))  # ordinary saves still work
    assert table.load()["id"].tolist() == [1, 2]
    # only the project's datasets write atomically: s3fs itself is not replaced
    assert fsspec.get_filesystem_class("s3") is s3fs.S3FileSystem
    assert type(fsspec.filesystem("s3")) is s3fs.S3FileSystem


KILLED_S3_WRITER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from user_score.datasets.pandas import CSVDataset

    frame = pd.DataFrame({"id": range(400_000), "text": "x" * 40})  # ~20 MB: 5 MiB parts
    dataset = CSVDataset(filepath=sys.argv[1], save_args={"index": False})
    dataset.save(frame)
    print("saved", flush=True)
    while True:  # keep rewriting until killed
        dataset.save(frame)
    """
)


def test_sigkill_mid_upload_leaves_the_previous_complete_object(s3_server, s3_prefix):  # noqa: F811
    """A writer killed while a multipart upload is open: the object is the previous one."""
    target = f"{s3_prefix}/predictions.csv"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_S3_WRITER, target], stdout=subprocess.PIPE, text=True
    )
    client = s3_server.client()
    key = target.split("/", 3)[3]
    try:
        assert writer.stdout.readline().strip() == "saved"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # kill while a later save has parts uploaded
            uploads = client.list_multipart_uploads(Bucket=s3_server.bucket, Prefix=key)
            upload = next(iter(uploads.get("Uploads", [])), None)
            try:
                parts = upload and client.list_parts(
                    Bucket=s3_server.bucket, Key=key, UploadId=upload["UploadId"]
                ).get("Parts")
            except client.exceptions.NoSuchUpload:  # completed in between: look again
                parts = None
            if parts:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the writer never got mid-upload")
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    frame = CSVDataset(filepath=target).load()
    assert len(frame) == 400_000  # the previous complete version, not a truncated one
    assert frame["id"].iloc[-1] == 399_999


def test_a_stream_of_chunks_is_one_s3_object_published_at_its_end(s3_server, s3_prefix):  # noqa: F811
    """A generator node's chunks (streamed saves): one multipart upload, completed at the
    stream's end; an abandoned stream leaves the previous object and no upload."""
    import pandas as pd

    from user_score.datasets.pandas import ParquetDataset

    table = CSVDataset(filepath=f"{s3_prefix}/predictions.csv")
    features = ParquetDataset(filepath=f"{s3_prefix}/features.parquet")
    chunks = [
        pd.DataFrame({"id": [f"{k}-{i}" for i in range(120_000)], "x": 0.5}) for k in (1, 2, 3)
    ]
    before = _objects(s3_server, s3_prefix)
    for dataset in (table, features):
        dataset.begin_stream()
        for chunk in chunks:
            dataset.save(chunk)
    assert _objects(s3_server, s3_prefix) == before  # nothing published before the end
    table.end_stream(commit=True)
    features.end_stream(commit=True)
    whole = pd.concat(chunks, ignore_index=True)
    pd.testing.assert_frame_equal(table.load(), whole)
    pd.testing.assert_frame_equal(features.load(), whole)
    assert len(_objects(s3_server, s3_prefix)) == len(before) + 2

    published = _objects(s3_server, s3_prefix)
    key = f"{s3_prefix}/predictions.csv".split("/", 3)[3]
    small_parts = {"open_args_save": {"block_size": 5 * 2**20}}  # (s3fs: 50 MiB)
    table = CSVDataset(filepath=f"{s3_prefix}/predictions.csv", fs_args=small_parts)
    table.begin_stream()
    table.save(chunks[0].head(10))
    for chunk in chunks:
        table.save(chunk.assign(text="x" * 40))  # ~7 MB each: parts are uploaded
    client = s3_server.client()
    assert client.list_multipart_uploads(Bucket=s3_server.bucket, Prefix=key).get("Uploads")
    table.end_stream(commit=False)
    assert _objects(s3_server, s3_prefix) == published
    pd.testing.assert_frame_equal(table.load(), whole)  # the previous object
    uploads = client.list_multipart_uploads(Bucket=s3_server.bucket, Prefix=key)
    assert uploads.get("Uploads", []) == []  # aborted (another test's killed writer's may stay)


def test_a_day_in_blocks_reads_from_s3_as_from_a_local_file(s3_server, s3_prefix, tmp_path):  # noqa: F811
    import pandas as pd

    from user_score.datasets.csv_blocks import CSVBlocksDataset

    text = "id,title,platform\n" + "".join(f'i{i},"Game, {i}\nPart",Switch\n' for i in range(300))
    local = tmp_path / "input.csv"
    local.write_text(text)
    s3fs.S3FileSystem().pipe(f"{s3_prefix}/input.csv".removeprefix("s3://"), text.encode())
    read = {
        where: list(CSVBlocksDataset(filepath=where, block_bytes=700).load())
        for where in (str(local), f"{s3_prefix}/input.csv")
    }
    assert len(read[str(local)]) > 5
    pd.testing.assert_frame_equal(
        pd.concat(read[str(local)]), pd.concat(read[f"{s3_prefix}/input.csv"])
    )
