"""Project settings (see https://docs.kedro.org/en/stable/configure/)."""

from kedro.config import OmegaConfigLoader

from user_score.catalog import ContractDataCatalog
from user_score.hooks import RunGuardHook, SecretRedactionHook, StorageHook
from user_score.reliability.storage import env_resolver

# Directory that holds configuration.
CONF_SOURCE = "conf"

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # ${env:USER_SCORE_...,default} (USER_SCORE_* variables only), e.g. the s3 root.
    "custom_resolvers": {"env": env_resolver},
}

# A DataCatalog whose contract and read errors name the file they came from.
DATA_CATALOG_CLASS = ContractDataCatalog

# Reliability hooks (docs/reliability.md): one run per output partition,
# secrets redacted from logs and errors. (Atomic writes need no hook: the
# catalog's dataset types are the project's atomic ones, user_score.datasets.)
HOOKS = (RunGuardHook(), SecretRedactionHook(), StorageHook())
# StorageHook (docs/deployment.md) is last, so pluggy calls it first: its S3
# access check fails a run before any lock is taken or node runs.
