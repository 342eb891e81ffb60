"""Project settings (see https://docs.kedro.org/en/stable/configure/)."""

from datetime import UTC, datetime

from kedro.config import OmegaConfigLoader

from user_score.catalog import ContractDataCatalog
from user_score.hooks import ConsoleHook, RunGuardHook, SecretRedactionHook, StorageHook
from user_score.reliability.memory import FreeMemoryHook
from user_score.reliability.storage import env_resolver
from user_score.reliability.streams import StreamedSavesHook
from user_score.timing import NodeTimingHook
from user_score.tracking import tracking_hooks

# Directory that holds configuration.
CONF_SOURCE = "conf"

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "custom_resolvers": {
        # ${env:USER_SCORE_...,default} (USER_SCORE_* variables only), e.g. the s3 root.
        "env": env_resolver,
        # ${run_time:}: when this run's configuration was loaded (UTC), so nodes get the
        # run's time as a parameter (params:run_started_at) instead of reading a clock.
        "run_time": lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    },
    # conf/<env>/mlflow.yml overrides single keys of conf/base/mlflow.yml (the s3 artifacts)
    "merge_strategy": {"mlflow": "soft"},
}

# A DataCatalog whose contract and read errors name the file they came from.
DATA_CATALOG_CLASS = ContractDataCatalog

# Node timings (logged; nodes read no clock), memory freed between nodes
# (user_score.reliability.memory), a generator node's chunks written as one file
# each (user_score.reliability.streams), then the reliability hooks
# (docs/reliability.md): one run per output partition, secrets redacted from
# logs and errors. (Atomic writes need no hook: the catalog's dataset types are
# the project's atomic ones, user_score.datasets.)
TRACKING = tracking_hooks()
HOOKS = (
    *TRACKING,
    ConsoleHook(tracking=TRACKING),
    NodeTimingHook(),
    FreeMemoryHook(),
    RunGuardHook(),
    StreamedSavesHook(),  # after RunGuardHook: called first, publishes before the lease ends
    SecretRedactionHook(),
    StorageHook(),
)
# Experiment tracking (docs/tracking.md): with the `tracking` extra installed,
# tracking_hooks() is the project's TrackingHook (kedro-mlflow's hook plus the
# project's records); kedro-mlflow's own entry-point hook is disabled so each run
# is recorded once. Without the extra it is empty and nothing imports MLflow.
DISABLE_HOOKS_FOR_PLUGINS = (
    "kedro_mlflow",
    "kedro-mlflow",
)  # its distribution name, both spellings
# ConsoleHook (docs/console.md) prints the end-of-run summary last (trylast) and
# turns a known error into one block. StorageHook (docs/deployment.md) is last, so
# pluggy calls it first: its S3 access check fails a run before any lock is taken
# or node runs.
