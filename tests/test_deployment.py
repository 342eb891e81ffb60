"""Deployment templates cannot rot: every pipeline and parameter they name exists.

Parses deployment/ (Dockerfile, entry point, AWS ECS task definition and
EventBridge Scheduler schedules, GCP Cloud Run job and Cloud Scheduler bodies)
and checks them against the project's pipeline registry and configuration.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

DEPLOYMENT = PROJECT_ROOT / "deployment"
ENTRYPOINT = DEPLOYMENT / "entrypoint.sh"
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")
CONTAINER = "user-score"


@pytest.fixture(scope="module")
def pipeline_names() -> set[str]:
    from kedro.framework.project import configure_project
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(PROJECT_ROOT)
    configure_project("user_score")
    from user_score.pipeline_registry import register_pipelines

    return {name for name, pipeline in register_pipelines().items() if pipeline.nodes}


@pytest.fixture(scope="module")
def known_params() -> set[str]:
    """Run-time parameters the configuration reads (``${runtime_params:NAME...}``)."""
    names: set[str] = set()
    for path in (PROJECT_ROOT / "conf" / "base").glob("*.yml"):
        names |= set(re.findall(r"runtime_params:\s*([\w.]+)", path.read_text(encoding="utf-8")))
    return names


def entrypoint_command(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env={"PATH": os.environ["PATH"], "USER_SCORE_DRY_RUN": "1", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def kedro_invocation(args: list[str], pipeline_names: set[str], known_params: set[str]) -> None:
    """``args`` as given to the image's entry point must be a valid pipeline + parameters."""
    pipeline, *params = args
    assert pipeline in pipeline_names, f"unknown pipeline {pipeline!r}: {sorted(pipeline_names)}"
    for item in params:
        key, sep, _ = item.partition("=")
        assert sep, f"{item!r} is not key=value"
        assert key in known_params, f"unknown run-time parameter {key!r}: {sorted(known_params)}"
    result = entrypoint_command(args, USER_SCORE_SCHEDULED_TIME="2021-03-01T02:00:00Z")
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- image


def test_dockerfile_copies_existing_paths_and_no_local_configuration():
    text = (DEPLOYMENT / "Dockerfile").read_text(encoding="utf-8")
    sources = [
        source
        for line in text.splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    ]
    assert sources
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), f"Dockerfile copies missing {source}"
        assert "local" not in source and "credentials" not in source and source != "data"
    entrypoint = re.search(r'^ENTRYPOINT \["([^"]+)"\]', text, re.M)
    assert entrypoint and f"deployment/entrypoint.sh {entrypoint.group(1)}" in text
    assert "run_date" not in text  # the entry point owns run_date


def test_entrypoint_runs_the_s3_environment_with_the_scheduled_day():
    result = entrypoint_command(
        ["monitoring", "fail_on=critical"], USER_SCORE_SCHEDULED_TIME="2021-03-01T02:00:00Z"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "kedro", "run", "--env", "s3", "--pipelines", "monitoring",
        "--params", "run_date=2021-03-01,fail_on=critical",
    ]  # fmt: skip
    explicit = entrypoint_command(
        ["scoring"], USER_SCORE_RUN_DATE="2020-12-31", USER_SCORE_SCHEDULED_TIME="2021-03-01"
    )
    assert "run_date=2020-12-31" in explicit.stdout


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ([], {}),
        (["--pipelines"], {}),
        (["scoring", "--params", "x=1"], {}),
        (["scoring", "run_date=2021-01-01"], {}),
        (["scoring"], {"USER_SCORE_SCHEDULED_TIME": "yesterday"}),
    ],
)
def test_entrypoint_refuses_bad_arguments(args, env):
    result = entrypoint_command(args, **env)
    assert result.returncode == 2
    assert "entrypoint.sh:" in result.stderr


# ---------------------------------------------------------------- AWS


def _aws_json(name: str) -> dict[str, Any]:
    return json.loads((DEPLOYMENT / "aws" / name).read_text(encoding="utf-8"))


def test_ecs_task_definition(pipeline_names, known_params):
    task = _aws_json("ecs-task-definition.json")
    (container,) = task["containerDefinitions"]
    assert container["name"] == CONTAINER
    kedro_invocation(container["command"], pipeline_names, known_params)
    env = {item["name"]: item["value"] for item in container["environment"]}
    assert env["USER_SCORE_S3_ROOT"].startswith("s3://")
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(env)  # the task role
    assert task["taskRoleArn"].startswith("arn:aws:iam::")


@pytest.mark.parametrize(
    ("name", "pipeline"),
    [("scheduler-scoring.json", "scoring"), ("scheduler-monitoring.json", "monitoring")],
)
def test_eventbridge_schedules(name, pipeline, pipeline_names, known_params):
    schedule = _aws_json(name)
    assert re.fullmatch(r"cron\(\S+ \S+ \S+ \S+ \S+ \S+\)", schedule["ScheduleExpression"])
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    target = schedule["Target"]
    assert target["EcsParameters"]["TaskDefinitionArn"].endswith(
        "task-definition/" + _aws_json("ecs-task-definition.json")["family"]
    )
    (override,) = json.loads(target["Input"])["containerOverrides"]
    assert override["name"] == CONTAINER
    assert override["command"][0] == pipeline
    kedro_invocation(override["command"], pipeline_names, known_params)
    env = {item["name"]: item["value"] for item in override["environment"]}
    assert env == {"USER_SCORE_SCHEDULED_TIME": "<aws.scheduler.scheduled-time>"}


# ---------------------------------------------------------------- GCP


def test_cloud_run_job(pipeline_names, known_params):
    job = yaml.safe_load((DEPLOYMENT / "gcp" / "cloud-run-job.yaml").read_text(encoding="utf-8"))
    assert job["kind"] == "Job"
    (container,) = job["spec"]["template"]["spec"]["template"]["spec"]["containers"]
    kedro_invocation(container["args"], pipeline_names, known_params)
    env = {item["name"]: item for item in container["env"]}
    assert env["USER_SCORE_S3_ROOT"]["value"].startswith("s3://")
    for secret in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert "value" not in env[secret] and "secretKeyRef" in env[secret]["valueFrom"]


@pytest.mark.parametrize(
    ("name", "pipeline"),
    [("scheduler-scoring.json", "scoring"), ("scheduler-monitoring.json", "monitoring")],
)
def test_cloud_scheduler_bodies(name, pipeline, pipeline_names, known_params):
    body = json.loads((DEPLOYMENT / "gcp" / name).read_text(encoding="utf-8"))
    (override,) = body["overrides"]["containerOverrides"]
    assert override["args"][0] == pipeline
    kedro_invocation(override["args"], pipeline_names, known_params)
    script = (DEPLOYMENT / "gcp" / "create-schedules.sh").read_text(encoding="utf-8")
    assert name in script
    job = yaml.safe_load((DEPLOYMENT / "gcp" / "cloud-run-job.yaml").read_text(encoding="utf-8"))
    assert f"jobs/{job['metadata']['name']}:run" in script


# ---------------------------------------------------------------- placeholders


def test_every_placeholder_is_documented():
    docs = (PROJECT_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    templates = [p for p in DEPLOYMENT.rglob("*") if p.is_file()]
    found = {
        name for path in templates for name in PLACEHOLDER.findall(path.read_text(encoding="utf-8"))
    }
    assert found, "no placeholders found: the pattern is wrong"
    undocumented = sorted(name for name in found if f"<{name}>" not in docs)
    assert undocumented == [], f"placeholders missing from docs/deployment.md: {undocumented}"
