"""Secrets: with credentials set, no log line, error message or output file contains them."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.conftest import kedro_child_env, kedro_cli
from user_score.reliability.redaction import (
    REDACTED,
    SecretRedactingFilter,
    config_secrets,
    environment_secrets,
    install_secret_filter,
    redact_exception,
)


def _secret(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex}"


def test_credentials_file_is_git_ignored(project_root):
    for path in (
        "conf/local/credentials.yml",
        "conf/base/credentials.yml",
        "conf/s3/credentials.yml",
    ):
        result = subprocess.run(
            ["git", "check-ignore", "--quiet", path], cwd=project_root, check=False
        )
        assert result.returncode == 0, f"{path} is not git-ignored"


def test_secret_values_are_collected_from_credentials_and_environment():
    credentials = {
        "project_s3": {
            "key": "AKIAEXAMPLEKEY1",
            "secret": "very-secret-value",
            "client_kwargs": {"endpoint_url": "http://127.0.0.1:8333", "region_name": "eu"},
        },
        "db": {"password": "hunter2-long"},
    }
    assert set(config_secrets(credentials)) == {
        "AKIAEXAMPLEKEY1",
        "very-secret-value",
        "hunter2-long",
    }
    env = {
        "AWS_SECRET_ACCESS_KEY": "abcdef123456",
        "HOME": "/root",
        "AWS_SESSION_TOKEN": "tok-123456",
    }
    assert environment_secrets(env) == {"abcdef123456", "tok-123456"}


def test_filter_redacts_messages_arguments_and_tracebacks():
    secret = _secret("secret")
    redactor = SecretRedactingFilter([secret])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "using %s now", (secret,), None)
    try:
        raise ValueError(f"bad key {secret}")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert redactor.filter(record)
    assert secret not in record.getMessage()
    assert REDACTED in record.getMessage()
    assert secret not in record.exc_text
    error = RuntimeError(f"wrapped {secret}")
    error.__cause__ = FileNotFoundError(2, "No such file", f"/data/{secret}.csv")
    redact_exception(error, redactor)
    assert secret not in str(error)
    assert secret not in str(error.__cause__)


def test_installed_filter_applies_to_every_handler(caplog):
    secret = _secret("secret")
    install_secret_filter([secret])
    logging.getLogger("user_score.some.module").warning("connecting with %s", secret)
    assert secret not in caplog.text
    assert REDACTED in caplog.text


def _run(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return kedro_cli(project, *args, env=env)


@pytest.mark.slow
def test_no_secret_in_logs_errors_or_outputs_of_real_runs(project_copy):
    file_secret = _secret("file-secret")
    access_key = "AKIA" + uuid.uuid4().hex[:16].upper()
    env_secret = _secret("env-secret")
    token = _secret("session-token")
    (project_copy / "conf" / "local").mkdir(parents=True, exist_ok=True)
    (project_copy / "conf" / "local" / "credentials.yml").write_text(
        "project_s3:\n"
        f"  key: {access_key}\n"
        f"  secret: {file_secret}\n"
        "  client_kwargs:\n"
        "    endpoint_url: http://127.0.0.1:1\n",
        encoding="utf-8",
    )
    env = kedro_child_env(
        {
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": env_secret,
            "AWS_SESSION_TOKEN": token,
        }
    )
    ok = _run(project_copy, env, "--pipelines", "data_engineering")
    assert ok.returncode == 0, ok.stderr[-3000:]
    # A failing run whose input location carries a token (like a presigned URL):
    # the error names the file, so without redaction the token would be printed.
    failing = _run(
        project_copy,
        env,
        "--pipelines",
        "data_engineering",
        "--params",
        f"raw_games_path=data/01_raw/export.csv?X-Amz-Security-Token={token}",
    )
    assert failing.returncode != 0
    failing_output = failing.stdout + failing.stderr
    assert "raw_games" in failing_output  # the error still says what failed
    assert REDACTED in failing_output  # ... with the token replaced

    secrets = [file_secret, access_key, env_secret, token]
    for run in (ok, failing):
        for stream in (run.stdout, run.stderr):
            for secret in secrets:
                assert secret not in stream
    credentials = project_copy / "conf" / "local" / "credentials.yml"
    scanned = 0
    for path in project_copy.rglob("*"):
        if not path.is_file() or path == credentials:
            continue
        content = path.read_bytes()
        scanned += 1
        for secret in secrets:
            assert secret.encode() not in content, f"{secret[:8]}... found in {path}"
    assert scanned > 5  # summaries, tables, logs were really scanned


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_s3_run_never_prints_the_session_token_from_its_first_line(project_copy, tmp_path):
    """``kedro run --env s3`` with AWS_SESSION_TOKEN set and the token in the S3 root.

    The storage settings log "Storage root ..." when the context is created and the
    access check raises StorageAccessError (naming the root) from before_pipeline_run,
    where Kedro calls no error hook: both must already be redacted.
    """
    # Real session tokens hold '/', '+' and '=': in request URLs they appear percent-encoded.
    token = _secret("session-token") + "/AbC+dEf=="
    endpoint = f"http://127.0.0.1:{_closed_port()}"  # refused at once: the check fails fast
    env = kedro_child_env(
        {
            "AWS_ACCESS_KEY_ID": "AKIA" + uuid.uuid4().hex[:16].upper(),
            "AWS_SECRET_ACCESS_KEY": _secret("env-secret"),
            "AWS_SESSION_TOKEN": token,
            "AWS_ENDPOINT_URL_S3": endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "USER_SCORE_S3_ROOT": f"s3://user-score/{token}/user_score",
            "USER_SCORE_LOCK_DIR": str(tmp_path / "locks"),
        }
    )
    result = _run(project_copy, env, "--env", "s3", "--pipelines", "data_engineering")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Storage root s3://user-score/" in output  # the first storage line was printed...
    assert "S3 endpoint unreachable" in output and endpoint in output  # ...and the error
    for form in (token, quote(token, safe=""), quote(token), quote_plus(token)):
        assert form not in output, output[-3000:]  # ...neither with the token, in any form
    assert output.count(REDACTED) >= 2
