"""Project settings (see https://docs.kedro.org/en/stable/configure/)."""

from kedro.config import OmegaConfigLoader

from user_score.catalog import ContractDataCatalog
from user_score.hooks import AtomicWritesHook, RunLockHook, SecretRedactionHook

# Directory that holds configuration.
CONF_SOURCE = "conf"

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
}

# A DataCatalog whose contract and read errors name the file they came from.
DATA_CATALOG_CLASS = ContractDataCatalog

# Reliability hooks (docs/reliability.md): atomic local writes, one run per
# output partition, secrets redacted from logs and errors.
HOOKS = (AtomicWritesHook(), RunLockHook(), SecretRedactionHook())
