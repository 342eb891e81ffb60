"""The ``registered_model`` catalog entry: its version reaches the dataset; no MLflow needed."""

from __future__ import annotations

import logging

import pytest
import yaml
from kedro.io import DataCatalog, DatasetError

from tests.conftest import PROJECT_ROOT
from user_score.console.errors import describe


def registered_model_entry(version) -> dict:
    text = (PROJECT_ROOT / "conf/base/catalog_06_models.yml").read_text()
    entry = yaml.safe_load(text)["registered_model"]
    entry["registered_version"] = version  # what ${runtime_params:rollback.version,null} gives
    return entry


def test_the_catalog_entry_hands_the_dataset_its_version_without_a_warning(caplog):
    """Kedro strips a ``version`` key (with a warning on every run): the entry must not use it."""
    with caplog.at_level(logging.WARNING):
        catalog = DataCatalog.from_config({"registered_model": registered_model_entry(3)})
        dataset = catalog["registered_model"]
    assert dataset.name == "user_score"
    assert "registered_version=3" in repr(dataset)
    assert not caplog.records, caplog.text


def test_a_rollback_without_a_version_ends_with_one_block_saying_how_to_name_one():
    catalog = DataCatalog.from_config({"registered_model": registered_model_entry(None)})
    with pytest.raises(DatasetError, match=r"no version given") as raised:
        catalog.load("registered_model")
    block = describe(raised.value)
    assert block is not None and block.dataset == "registered_model"
    assert "--pipelines rollback --params rollback.version=N" in block.todo
